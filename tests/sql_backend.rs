//! The SQL storage (`taipy::storage::sql`) against real databases: SQLite in a temporary file
//! and a PostgreSQL server (`TAIPY_TEST_POSTGRES`, started by `.ci/services.sh`).
//!
//! Every case runs on both engines. Outside CI, the PostgreSQL half is skipped with a printed
//! reason when `TAIPY_TEST_POSTGRES` is unset; in CI (`CI` set) a missing server fails the test.
//! Tables are named per test and process, so the cases run in parallel on one database.

#[path = "support/postgres_server.rs"]
#[allow(unreachable_pub)]
mod postgres_server;

use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use taipy::storage::sql::{Database, Records, SqlError, Statement, WriteMode};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Customer {
    id: i64,
    name: String,
    score: f64,
    active: bool,
    note: Option<String>,
}

fn customers() -> Vec<Customer> {
    vec![
        Customer { id: 1, name: "Ada".into(), score: 4.5, active: true, note: None },
        Customer { id: 2, name: "Brian".into(), score: 3.25, active: false, note: Some("late".into()) },
        Customer {
            id: 3,
            name: "Chen \"C\" O'Neil".into(),
            score: -1.0,
            active: true,
            note: Some("é ü".into()),
        },
    ]
}

/// One engine under test: its database and a plain client "outside" taipy.
struct Engine {
    db: Database,
    outside: Outside,
    _dir: Option<tempfile::TempDir>,
}

enum Outside {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Engine {
    /// Runs one SQL batch with the engine's own client, as another program would.
    fn outside(&self, sql: &str) {
        match &self.outside {
            Outside::Sqlite(path) => rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap(),
            Outside::Postgres(url) => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().batch_execute(sql).unwrap()
            }
        }
    }

    fn name(&self) -> &'static str {
        match self.outside {
            Outside::Sqlite(_) => "sqlite",
            Outside::Postgres(_) => "postgresql",
        }
    }
}

fn sqlite() -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.db");
    Engine { db: Database::sqlite(&path), outside: Outside::Sqlite(path), _dir: Some(dir) }
}

/// The PostgreSQL server of `TAIPY_TEST_POSTGRES`; `None` (after saying why) outside CI when
/// it is unset; a failed test in CI.
fn postgres() -> Option<Engine> {
    let url = postgres_server::url()?;
    Some(Engine { db: Database::from_url(&url).unwrap(), outside: Outside::Postgres(url), _dir: None })
}

fn engines() -> Vec<Engine> {
    std::iter::once(sqlite()).chain(postgres()).collect()
}

/// A table name no other test (or test process) uses.
fn table(test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{test}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

#[test]
fn serde_rows_round_trip_and_create_the_table() {
    for engine in engines() {
        let t = table("round_trip");
        let rows = Records::from_serde(&customers()).unwrap();
        assert_eq!(rows.columns(), ["id", "name", "score", "active", "note"], "struct field order");
        engine.db.write_table(&t, &rows, WriteMode::Replace).unwrap();
        let back: Vec<Customer> = engine.db.read_table(&t).unwrap().to_serde().unwrap();
        assert_eq!(back, customers(), "{}", engine.name());
        // The table is an ordinary table other tools read.
        let read =
            engine.db.read_query(&format!("SELECT name FROM \"{t}\" WHERE active ORDER BY id")).unwrap();
        assert_eq!(read.rows(), [vec![json!("Ada")], vec![json!("Chen \"C\" O'Neil")]], "{}", engine.name());
    }
}

#[test]
fn replace_overwrites_and_append_adds() {
    for engine in engines() {
        let t = table("modes");
        let all = customers();
        engine.db.write_table(&t, &Records::from_serde(&all[..2]).unwrap(), WriteMode::Replace).unwrap();
        engine.db.write_table(&t, &Records::from_serde(&all[2..]).unwrap(), WriteMode::Append).unwrap();
        let back: Vec<Customer> = engine.db.read_table(&t).unwrap().to_serde().unwrap();
        assert_eq!(back, all, "{}: append keeps the rows before", engine.name());

        engine.db.write_table(&t, &Records::from_serde(&all[1..2]).unwrap(), WriteMode::Replace).unwrap();
        let back: Vec<Customer> = engine.db.read_table(&t).unwrap().to_serde().unwrap();
        assert_eq!(back, all[1..2], "{}: replace keeps only the new rows", engine.name());
    }
}

#[test]
fn a_table_with_other_columns_is_refused_and_keeps_its_rows() {
    for engine in engines() {
        let t = table("wrong_columns");
        engine.outside(&format!(
            "CREATE TABLE \"{t}\" (id BIGINT, city TEXT); INSERT INTO \"{t}\" VALUES (7, 'Oslo');"
        ));
        let err = engine
            .db
            .write_table(&t, &Records::from_serde(&customers()).unwrap(), WriteMode::Replace)
            .unwrap_err();
        assert!(matches!(err, SqlError::WrongColumns { .. }), "{}: {err:?}", engine.name());
        let message = err.to_string();
        for part in [t.as_str(), "city", "name", "score"] {
            assert!(message.contains(part), "{}: `{message}` should name `{part}`", engine.name());
        }
        let kept = engine.db.read_table(&t).unwrap();
        assert_eq!(kept.rows(), [vec![json!(7), json!("Oslo")]], "{}: nothing lost", engine.name());
    }
}

#[test]
fn a_failed_write_changes_nothing() {
    for engine in engines() {
        let t = table("atomic");
        let all = customers();
        engine.db.write_table(&t, &Records::from_serde(&all).unwrap(), WriteMode::Replace).unwrap();
        // The second row's `id` is text in an integer column: the write fails half-way through
        // its inserts, after the delete of replace; the transaction takes both back.
        let bad = Records::new(
            vec!["id".into(), "name".into(), "score".into(), "active".into(), "note".into()],
            vec![
                vec![json!(10), json!("new"), json!(1.0), json!(true), json!(null)],
                vec![json!("eleven"), json!("bad"), json!(1.0), json!(true), json!(null)],
            ],
        )
        .unwrap();
        let err = engine.db.write_table(&t, &bad, WriteMode::Replace);
        if engine.name() == "postgresql" {
            assert!(err.is_err(), "postgresql refuses text in a bigint column");
        } else {
            // SQLite stores the text as it is (its columns have affinities, not types): only
            // PostgreSQL can fail here, so make SQLite fail on a NOT NULL constraint instead.
            engine.outside(&format!("DROP TABLE \"{t}\"; CREATE TABLE \"{t}\" (id INTEGER NOT NULL, name TEXT, score REAL, active BOOLEAN, note TEXT);"));
            engine.db.write_table(&t, &Records::from_serde(&all).unwrap(), WriteMode::Replace).unwrap();
            let bad = Records::new(
                bad.columns().to_vec(),
                vec![
                    bad.rows()[0].clone(),
                    vec![json!(null), json!("bad"), json!(1.0), json!(true), json!(null)],
                ],
            )
            .unwrap();
            assert!(engine.db.write_table(&t, &bad, WriteMode::Replace).is_err());
        }
        let back: Vec<Customer> = engine.db.read_table(&t).unwrap().to_serde().unwrap();
        assert_eq!(back, all, "{}: the old rows are all there", engine.name());
    }
}

#[test]
fn a_syntax_error_names_the_query_and_the_servers_message() {
    for engine in engines() {
        let t = table("syntax");
        engine.outside(&format!("CREATE TABLE \"{t}\" (id BIGINT)"));
        let err = engine.db.read_query("SELEC id FROM nowhere").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("SELEC id FROM nowhere"), "{}: {message}", engine.name());
        assert!(message.contains("syntax error"), "{}: the server's message in `{message}`", engine.name());
    }
}

#[test]
fn a_query_on_a_missing_sqlite_file_names_it_and_creates_nothing() {
    let engine = sqlite();
    let Outside::Sqlite(path) = &engine.outside else { unreachable!() };
    let err = engine.db.read_query("SELECT 1").unwrap_err();
    assert!(matches!(err, SqlError::Connect { .. }) && err.to_string().contains("test.db"), "{err}");
    assert!(!path.exists(), "a read does not create the database");
}

#[test]
fn a_missing_table_is_a_clear_error() {
    for engine in engines() {
        let t = table("missing");
        let err = engine.db.read_table(&t).unwrap_err();
        assert!(matches!(err, SqlError::NoTable { .. }), "{}: {err:?}", engine.name());
        assert!(err.to_string().contains(&t), "{}: {err}", engine.name());
        assert_eq!(engine.db.table_fingerprint(&t).unwrap(), None, "{}", engine.name());
    }
}

#[test]
fn the_fingerprint_follows_the_content_not_the_row_order() {
    for engine in engines() {
        let t = table("fingerprint");
        let rows = Records::from_serde(&customers()).unwrap();
        engine.db.write_table(&t, &rows, WriteMode::Replace).unwrap();
        let first = engine.db.table_fingerprint(&t).unwrap().unwrap();
        assert_eq!(
            engine.db.table_fingerprint(&t).unwrap(),
            Some(first),
            "{}: nothing changed",
            engine.name()
        );
        assert_eq!(first, rows.fingerprint(), "{}: what was written is what is read", engine.name());

        // The same rows written in another order: the same content.
        let mut reversed = customers();
        reversed.reverse();
        engine.db.write_table(&t, &Records::from_serde(&reversed).unwrap(), WriteMode::Replace).unwrap();
        assert_eq!(engine.db.table_fingerprint(&t).unwrap(), Some(first), "{}", engine.name());

        // One cell edited by another program.
        engine.outside(&format!("UPDATE \"{t}\" SET score = 4.75 WHERE id = 1"));
        let edited = engine.db.table_fingerprint(&t).unwrap().unwrap();
        assert_ne!(edited, first, "{}: an edit outside changes it", engine.name());
        let query = format!("SELECT id, score FROM \"{t}\" WHERE id = 1");
        let before = engine.db.query_fingerprint(&query).unwrap();
        engine.outside(&format!("UPDATE \"{t}\" SET score = 5 WHERE id = 1"));
        assert_ne!(engine.db.query_fingerprint(&query).unwrap(), before, "{}: and a query's", engine.name());

        // Dropped by another program: no content any more.
        engine.outside(&format!("DROP TABLE \"{t}\""));
        assert_eq!(engine.db.table_fingerprint(&t).unwrap(), None, "{}", engine.name());
    }
}

#[test]
fn user_statements_run_in_one_transaction_with_the_same_placeholders_on_both_engines() {
    for engine in engines() {
        let t = table("statements");
        engine.outside(&format!("CREATE TABLE \"{t}\" (day TEXT, sales BIGINT)"));
        let statements = [
            Statement::new(format!("DELETE FROM \"{t}\"")),
            Statement::new(format!("INSERT INTO \"{t}\" VALUES ($1, $2)"))
                .rows([vec![json!("mon"), json!(3)], vec![json!("tue"), json!(5)]]),
        ];
        engine.db.execute(&statements).unwrap();
        let read = engine.db.read_query(&format!("SELECT day, sales FROM \"{t}\" ORDER BY day")).unwrap();
        assert_eq!(
            read.rows(),
            [vec![json!("mon"), json!(3)], vec![json!("tue"), json!(5)]],
            "{}",
            engine.name()
        );

        // A failing statement after a delete: the delete is taken back, the error names it.
        let failing = [
            Statement::new(format!("DELETE FROM \"{t}\"")),
            Statement::new("INSERT INTO nowhere VALUES (1)"),
        ];
        let err = engine.db.execute(&failing).unwrap_err().to_string();
        assert!(err.contains("INSERT INTO nowhere"), "{}: {err}", engine.name());
        assert_eq!(engine.db.read_table(&t).unwrap().rows().len(), 2, "{}: nothing lost", engine.name());
    }
}

#[test]
fn nested_values_are_refused_with_the_column() {
    let err = Records::from_maps(&[json!({"id": 1, "tags": ["a", "b"]})]).unwrap_err();
    assert!(err.to_string().contains("tags"), "{err}");
}

#[test]
fn rows_that_do_not_fit_the_type_name_the_source() {
    let engine = sqlite();
    let t = table("misfit");
    engine.outside(&format!("CREATE TABLE \"{t}\" (id TEXT); INSERT INTO \"{t}\" VALUES ('x');"));
    let err = engine.db.read_table(&t).unwrap().to_serde::<Customer>().unwrap_err();
    assert!(err.to_string().contains("Customer"), "{err}");
}

#[test]
fn an_unreachable_server_names_host_and_port_not_the_password() {
    let db = Database::from_url("postgres://someone:secret@127.0.0.1:1/nothing").unwrap();
    let err = db.read_query("SELECT 1").unwrap_err();
    assert!(matches!(err, SqlError::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(!message.contains("secret"), "the password stays out of messages: {message}");
}

#[test]
fn wrong_credentials_are_a_connection_error() {
    let Some(engine) = postgres() else { return };
    let Outside::Postgres(url) = &engine.outside else { unreachable!() };
    let wrong = url.replacen("taipy:taipy@", "taipy:wrong@", 1);
    let err = Database::from_url(&wrong).unwrap().read_query("SELECT 1").unwrap_err();
    assert!(matches!(err, SqlError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("password"), "the server's reason: {err}");
}

#[test]
fn settings_from_taipys_keys() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let db = Database::from_keys([
        ("db_engine", "sqlite"),
        ("db_name", "sales"),
        ("sqlite_folder_path", folder),
        ("sqlite_file_extension", ".sqlite3"),
    ])
    .unwrap();
    db.write_table("t", &Records::from_serde(&customers()).unwrap(), WriteMode::Replace).unwrap();
    assert!(dir.path().join("sales.sqlite3").exists(), "Taipy's file name: folder / db_name + extension");

    let pg = Database::from_keys([
        ("db_engine", "postgresql"),
        ("db_name", "taipy_test"),
        ("db_host", "127.0.0.1"),
        ("db_port", "1"),
        ("db_username", "u"),
        ("db_password", "p"),
        ("db_extra_args", "{ connect_timeout = 5 }"),
    ])
    .unwrap();
    assert!(pg.to_string().contains("127.0.0.1:1"), "{pg}");

    for (keys, fault) in [
        (vec![("db_engine", "mysql")], "mysql"),
        (vec![("db_engine", "postgresql"), ("db_name", "x"), ("db_port", "port")], "db_port"),
        (vec![("db_engine", "sqlite")], "db_name"),
        (vec![("db_engine", "sqlite"), ("db_name", "x"), ("db_colour", "red")], "db_colour"),
    ] {
        let err = Database::from_keys(keys).unwrap_err().to_string();
        assert!(err.contains(fault), "`{err}` should name `{fault}`");
    }
}
