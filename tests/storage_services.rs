//! The service storage kinds in scenarios: `sql_table` and `sql` on SQLite and PostgreSQL
//! (`TAIPY_TEST_POSTGRES`, see tests/sql_backend.rs for when it is skipped), `s3_object` on an
//! S3-compatible server in the test process. Each: round trip and skip, edited outside (readers
//! re-run), deleted outside (the producer re-runs), bad input (a clear error, nothing lost).

#[path = "support/s3_server.rs"]
#[allow(unreachable_pub)]
mod s3_server;

#[path = "support/postgres_server.rs"]
#[allow(unreachable_pub)]
mod postgres_server;

#[path = "support/rows_pipeline.rs"]
mod rows_pipeline;

use std::sync::atomic::{AtomicUsize, Ordering};

use rows_pipeline::{RAN, Row, SKIPPED, config, rows, statuses, submit, total};
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use taipy::prelude::*;
use taipy::storage::s3::{S3Bucket, S3Settings};
use taipy::storage::sql::{self, Records, Statement};
use taipy::{Reason, Storage};

/// A name no other test (or test process) uses.
fn unique(test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{test}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The databases under test: a SQLite file, and the PostgreSQL server when there is one.
fn databases(dir: &std::path::Path) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}", dir.join("services.db").display())];
    urls.extend(postgres_server::url());
    urls
}

/// Runs SQL "outside" taipy (through the backend's own connection, not the data node).
fn outside(url: &str, sql: &str) {
    sql::Database::from_url(url).unwrap().execute(&[Statement::new(sql)]).unwrap();
}

/// What the tests do to a storage behind taipy's back.
struct Case {
    storage: Storage,
    edit: Box<dyn Fn()>,
    delete: Box<dyn Fn()>,
    name: String,
    _server: Option<std::rc::Rc<S3Server>>,
}

fn cases(dir: &std::path::Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for url in databases(dir) {
        let table = unique("rows");
        let (u1, t1, u2, t2) = (url.clone(), table.clone(), url.clone(), table.clone());
        cases.push(Case {
            storage: Storage::sql_table(&url, &table),
            edit: Box::new(move || {
                outside(&u1, &format!("UPDATE \"{t1}\" SET count = 1000 WHERE name = 'r0'"))
            }),
            delete: Box::new(move || outside(&u2, &format!("DROP TABLE \"{t2}\""))),
            name: format!("sql_table on {}", url.split(':').next().unwrap()),
            _server: None,
        });
    }
    let server = std::rc::Rc::new(S3Server::start());
    server.create_bucket("reports");
    let bucket = || {
        S3Bucket::connect(
            &S3Settings::new("reports").endpoint(&server.endpoint).credentials(ACCESS_KEY, SECRET_KEY),
        )
        .unwrap()
    };
    let (b1, b2) = (bucket(), bucket());
    cases.push(Case {
        storage: s3_storage(&server, "reports", "q3/rows.json"),
        edit: Box::new(move || {
            b1.put("q3/rows.json", br#"[{"name":"x","score":1.0,"count":1000}]"#.to_vec()).unwrap();
        }),
        delete: Box::new(move || b2.delete("q3/rows.json").unwrap()),
        name: "s3_object".into(),
        _server: Some(server),
    });
    cases
}

fn s3_storage(server: &S3Server, bucket: &str, key: &str) -> Storage {
    Storage::s3_object(bucket, key)
        .service_key("aws_s3_endpoint_url", &server.endpoint)
        .service_key("aws_access_key", ACCESS_KEY)
        .service_key("aws_secret_access_key", SECRET_KEY)
}

#[test]
fn each_service_kind_round_trips_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("services", case.storage.clone()), "s").unwrap();
        assert_eq!(submit(&scenario), RAN, "{}", case.name);
        assert_eq!(
            scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap(),
            rows(&3),
            "{}",
            case.name
        );
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 30, "{}", case.name);
        assert_eq!(submit(&scenario), SKIPPED, "{}", case.name);
    }
}

#[test]
fn edited_outside_readers_rerun() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("services", case.storage.clone()), "s").unwrap();
        submit(&scenario);
        (case.edit)();
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(statuses(&report), ["make_rows=Skipped", "sum=Completed"], "{}", case.name);
        assert_eq!(report.jobs[1].reason, Some(Reason::Changed { code: false, inputs: vec!["rows".into()] }));
        let total = scenario.data_node::<i64>("total").unwrap().read().unwrap();
        assert!(total >= 1000, "{}: the edit is read ({total})", case.name);
        assert_eq!(submit(&scenario), SKIPPED, "{}: nothing changed since", case.name);
    }
}

#[test]
fn deleted_outside_the_producer_reruns() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("services", case.storage.clone()), "s").unwrap();
        submit(&scenario);
        (case.delete)();
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(statuses(&report), ["make_rows=Completed", "sum=Skipped"], "{}", case.name);
        assert_eq!(report.jobs[0].reason, Some(Reason::OutputsMissing), "{}", case.name);
        assert_eq!(
            scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap(),
            rows(&3),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_table_with_other_columns_fails_the_job_naming_node_table_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    for url in databases(dir.path()) {
        let table = unique("taken");
        outside(
            &url,
            &format!("CREATE TABLE \"{table}\" (city TEXT); INSERT INTO \"{table}\" VALUES ('Oslo')"),
        );
        let store = Store::temporary().unwrap();
        let scenario =
            Scenario::create(&store, &config("services", Storage::sql_table(&url, &table)), "s").unwrap();
        let error = format!("{:?}", scenario.submit().unwrap().wait().unwrap_err());
        for part in ["output `rows`", table.as_str(), "city", "name, score, count"] {
            assert!(error.contains(part), "`{error}` should name {part}");
        }
        let kept = sql::Database::from_url(&url).unwrap().read_table(&table).unwrap();
        assert_eq!(kept.rows(), [vec![serde_json::json!("Oslo")]], "nothing lost");
    }
}

#[test]
fn a_source_object_in_a_missing_bucket_is_an_error_naming_it() {
    let server = S3Server::start();
    let store = Store::temporary().unwrap();
    let config = ScenarioConfig::builder("source")
        .node(
            DataNodeConfig::new::<Vec<Row>>("rows")
                .with_storage(s3_storage(&server, "no-such-bucket", "rows.json"))
                .unwrap(),
        )
        .task(TaskConfig::new("sum", total).inputs(["rows"]).outputs(["total"]))
        .build()
        .unwrap();
    let err = Scenario::create(&store, &config, "s").unwrap_err().to_string();
    assert!(err.contains("bucket `no-such-bucket` does not exist"), "{err}");
}

#[test]
fn a_source_table_is_read_and_its_edits_rerun_readers() {
    let dir = tempfile::tempdir().unwrap();
    for url in databases(dir.path()) {
        let table = unique("source");
        let db = sql::Database::from_url(&url).unwrap();
        db.write_table(&table, &Records::from_serde(&rows(&2)).unwrap(), sql::WriteMode::Replace).unwrap();
        // A `sql` node with a read query, nobody writing it: the scenario starts from the query.
        let query = format!("SELECT name, score, count FROM \"{table}\" ORDER BY name");
        let config = ScenarioConfig::builder("source")
            .node(DataNodeConfig::new::<Vec<Row>>("rows").with_storage(Storage::sql(&url, &query)).unwrap())
            .task(TaskConfig::new("sum", total).inputs(["rows"]).outputs(["total"]).skippable(true))
            .build()
            .unwrap();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        assert_eq!(submit(&scenario), ["sum=Completed"], "{url}");
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 10);
        assert_eq!(submit(&scenario), ["sum=Skipped"], "{url}");
        outside(&url, &format!("UPDATE \"{table}\" SET count = 100 WHERE name = 'r1'"));
        assert_eq!(submit(&scenario), ["sum=Completed"], "{url}: the query's result changed");
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 100);
    }
}

/// Taipy's `write_query_builder` for the `sql` kind: statements from the rows being written.
fn write_rows(records: &Records, table: &str) -> Vec<Statement> {
    vec![
        Statement::new(format!("DELETE FROM \"{table}\"")),
        Statement::new(format!("INSERT INTO \"{table}\" (name, score, count) VALUES ($1, $2, $3)"))
            .rows(records.rows().iter().cloned()),
    ]
}

#[test]
fn an_sql_node_writes_through_its_write_query_builder() {
    let dir = tempfile::tempdir().unwrap();
    for url in databases(dir.path()) {
        let table = unique("written");
        outside(&url, &format!("CREATE TABLE \"{table}\" (name TEXT, score DOUBLE PRECISION, count BIGINT)"));
        let builder = unique("write_rows");
        let t = table.clone();
        sql::register_write_query_builder(&builder, move |records| write_rows(records, &t));
        let query = format!("SELECT name, score, count FROM \"{table}\" ORDER BY name");
        let storage = Storage::sql(&url, &query).service_key("write_query_builder", &builder);
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("services", storage), "s").unwrap();
        assert_eq!(submit(&scenario), RAN, "{url}");
        let written: Vec<Row> =
            sql::Database::from_url(&url).unwrap().read_query(&query).unwrap().to_serde().unwrap();
        assert_eq!(written, rows(&3), "{url}");
        assert_eq!(submit(&scenario), SKIPPED, "{url}");

        // A builder nobody registered: the error names it.
        let unknown = Storage::sql(&url, &query).service_key("write_query_builder", "nobody_registered_this");
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("services", unknown), "t").unwrap();
        scenario.data_node::<i64>("n").unwrap().write(4).unwrap();
        let error = format!("{:?}", scenario.submit().unwrap().wait().unwrap_err());
        assert!(error.contains("nobody_registered_this"), "{error}");
    }
}

/// `scenario!`'s `#[storage(sql_table, ...)]` with Taipy's keys: checked at compile time
/// (`Holds<kind::SqlTable>`), then written and read back like the builder's.
mod macro_table {
    use super::{Row, rows};
    use taipy::prelude::*;

    /// A SQLite file of this test process.
    pub(super) fn database() -> String {
        format!("sqlite://{}/taipy-macro-table-{}.db", std::env::temp_dir().display(), std::process::id())
    }

    #[task]
    fn make(n: &i64) -> Vec<Row> {
        rows(n)
    }

    scenario! {
        pub MacroTable {
            n: i64 = 2,
            #[storage(sql_table, db_url = database(), table_name = "macro_rows")]
            table = make(n),
        }
    }

    #[test]
    fn a_macro_node_in_a_table_round_trips() {
        let store = Store::temporary().unwrap();
        let scenario = MacroTable::create(&store, "s").unwrap();
        scenario.submit().unwrap().wait().unwrap();
        assert_eq!(scenario.table().read().unwrap(), rows(&2));
        let read =
            taipy::storage::sql::Database::from_url(&database()).unwrap().read_table("macro_rows").unwrap();
        assert_eq!(read.rows().len(), 2);
        let _ = std::fs::remove_file(database().trim_start_matches("sqlite://"));
    }
}

/// `#[storage(s3_object, ...)]` with a key computed at run time: rustc cannot check its
/// extension, so a wrong one is found when the config is built, and the panic says what is
/// wrong (not "a kind the compiler checked").
mod macro_object_computed_key {
    use taipy::prelude::*;

    fn key() -> String {
        format!("reports/{}.csv", "settings")
    }

    #[derive(DataValue, serde::Serialize, serde::Deserialize)]
    struct Settings {
        level: i64,
    }

    #[task]
    fn settings(level: &i64) -> Settings {
        Settings { level: *level }
    }

    scenario! {
        ComputedKey {
            level: i64 = 1,
            #[storage(s3_object, aws_s3_bucket_name = "reports", aws_s3_object_key = key())]
            chosen = settings(level),
        }
    }

    #[test]
    fn a_computed_key_with_the_wrong_extension_is_named_when_the_config_is_built() {
        let panic = std::panic::catch_unwind(ComputedKey::config).unwrap_err();
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("checked when the config is built"), "{message}");
        assert!(message.contains("cannot be stored in s3_object `reports/settings.csv` as csv"), "{message}");
    }
}

/// rows (a source in `storage`) → total: a table the user appends to.
fn source_config(storage: Storage) -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("appended")
        .node(DataNodeConfig::new::<Vec<Row>>("rows").with_storage(storage).unwrap())
        .task(TaskConfig::new("sum", total).inputs(["rows"]).outputs(["total"]).skippable(true))
        .build()
        .unwrap()
}

#[test]
fn appending_to_a_table_inserts_the_rows_as_a_new_version_and_readers_rerun() {
    let dir = tempfile::tempdir().unwrap();
    for url in databases(dir.path()) {
        let table = unique("appended");
        let store = Store::temporary().unwrap();
        let scenario =
            Scenario::create(&store, &source_config(Storage::sql_table(&url, &table)), "s").unwrap();
        let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
        node.write(rows(&2)).unwrap();
        assert_eq!(statuses(&scenario.submit().unwrap().wait().unwrap()), ["sum=Completed"], "{url}");
        let before = node.history().unwrap().len();
        let late = Row { name: "late".into(), score: 2.5, count: 100 };
        node.append(vec![late.clone()]).unwrap();
        let mut expected = rows(&2);
        expected.push(late);
        assert_eq!(node.read().unwrap(), expected, "{url}");
        assert_eq!(node.history().unwrap().len(), before + 1, "{url}");
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(statuses(&report), ["sum=Completed"], "{url}: the reader re-runs");
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 110, "{url}");
        assert_eq!(statuses(&scenario.submit().unwrap().wait().unwrap()), ["sum=Skipped"], "{url}");

        // A table with other columns: the error names node, table and columns; no row changes.
        let other = unique("other");
        outside(
            &url,
            &format!("CREATE TABLE \"{other}\" (city TEXT); INSERT INTO \"{other}\" VALUES ('Oslo')"),
        );
        let store = Store::temporary().unwrap();
        let scenario =
            Scenario::create(&store, &source_config(Storage::sql_table(&url, &other)), "t").unwrap();
        let error = scenario.data_node::<Vec<Row>>("rows").unwrap().append(rows(&1)).unwrap_err().to_string();
        for part in ["`rows`", other.as_str(), "city", "name, score, count"] {
            assert!(error.contains(part), "`{error}` should name {part}");
        }
        let kept = sql::Database::from_url(&url).unwrap().read_table(&other).unwrap();
        assert_eq!(kept.rows().len(), 1, "{url}: nothing appended");
        outside(&url, &format!("DROP TABLE \"{table}\"; DROP TABLE \"{other}\""));
    }
}

#[test]
fn an_sql_node_appends_through_its_append_query_builder_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    for url in databases(dir.path()) {
        let table = unique("ledger");
        outside(&url, &format!("CREATE TABLE \"{table}\" (name TEXT, score DOUBLE PRECISION, count BIGINT)"));
        let builder = unique("append_rows");
        let t = table.clone();
        sql::register_write_query_builder(&builder, move |records| {
            vec![
                Statement::new(format!("INSERT INTO \"{t}\" (name, score, count) VALUES ($1, $2, $3)"))
                    .rows(records.rows().iter().cloned()),
            ]
        });
        let query = format!("SELECT name, score, count FROM \"{table}\" ORDER BY name");
        let storage = Storage::sql(&url, &query).service_key("append_query_builder", &builder);
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &source_config(storage), "s").unwrap();
        let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
        node.append(rows(&2)).unwrap();
        node.append(vec![Row { name: "s".into(), score: 1.0, count: 5 }]).unwrap();
        let names: Vec<String> = node.read().unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["r0", "r1", "s"], "{url}");
        assert_eq!(statuses(&scenario.submit().unwrap().wait().unwrap()), ["sum=Completed"], "{url}");
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 15, "{url}");

        // A failing statement: the transaction rolls back, the node keeps its version.
        let failing = unique("append_fails");
        let t = table.clone();
        sql::register_write_query_builder(&failing, move |records| {
            vec![
                Statement::new(format!("INSERT INTO \"{t}\" (name, score, count) VALUES ($1, $2, $3)"))
                    .rows(records.rows().iter().cloned()),
                Statement::new("INSERT INTO no_such_table_anywhere VALUES (1)"),
            ]
        });
        let storage = Storage::sql(&url, &query).service_key("append_query_builder", &failing);
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &source_config(storage), "t").unwrap();
        let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
        let error = node.append(rows(&1)).unwrap_err().to_string();
        assert!(error.contains("`rows`") && error.contains("no_such_table_anywhere"), "{error}");
        assert_eq!(node.read().unwrap().len(), 3, "{url}: rolled back");
        // No append_query_builder: the error names the key.
        let storage = Storage::sql(&url, &query);
        let scenario = Scenario::create(&store, &source_config(storage), "u").unwrap();
        let error = scenario.data_node::<Vec<Row>>("rows").unwrap().append(rows(&1)).unwrap_err().to_string();
        assert!(error.contains("append_query_builder is missing"), "{error}");
        outside(&url, &format!("DROP TABLE \"{table}\""));
    }
}
