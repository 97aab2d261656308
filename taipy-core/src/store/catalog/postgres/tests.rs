//! The PostgreSQL catalog against a real server (`TAIPY_TEST_POSTGRES`, started by
//! `.ci/services.sh`): each test in a schema of its own, dropped at the end, so that tests and
//! test processes sharing the server never meet. Outside CI, without the variable, each test
//! says why and passes; in CI it fails.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::store::catalog::conformance;
use crate::store::catalog::location::redact;

/// The server's URL; `None` (after saying why) outside CI when unset.
pub(crate) fn server() -> Option<String> {
    match std::env::var("TAIPY_TEST_POSTGRES") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TAIPY_TEST_POSTGRES is not: .ci/services.sh starts PostgreSQL and sets it")
        }
        Err(_) => {
            eprintln!("skipping: TAIPY_TEST_POSTGRES is unset (eval \"$(bash .ci/services.sh)\" sets it)");
            None
        }
    }
}

/// A schema no other test or process uses, dropped (with everything in it) when dropped.
pub(crate) struct TestSchema {
    pub(crate) url: String,
    base: String,
    name: String,
}

impl TestSchema {
    pub(crate) fn new() -> Option<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = server()?;
        let name = format!("taipy_cat_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let separator = if base.contains('?') { '&' } else { '?' };
        Some(Self { url: format!("{base}{separator}schema={name}"), base, name })
    }

    pub(crate) fn location(&self) -> PgLocation {
        PgLocation::parse(&self.url).unwrap()
    }

    /// A plain client on the server, outside any catalog.
    pub(crate) fn client(&self) -> Client {
        self.base.parse::<postgres::Config>().unwrap().connect(postgres::NoTls).unwrap()
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = self.base.parse::<postgres::Config>().unwrap().connect(postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// A catalog in a fresh schema; the schema goes with it.
struct Opened {
    catalog: PgCatalog,
    _schema: TestSchema,
}

impl std::ops::Deref for Opened {
    type Target = PgCatalog;
    fn deref(&self) -> &PgCatalog {
        &self.catalog
    }
}

fn opened() -> Option<Opened> {
    let schema = TestSchema::new()?;
    Some(Opened { catalog: PgCatalog::open(schema.location()).unwrap(), _schema: schema })
}

crate::catalog_conformance!(guarded opened());

#[test]
fn committed_records_survive_a_reopen() {
    let Some(schema) = TestSchema::new() else { return };
    conformance::write_and_flush(&PgCatalog::open(schema.location()).unwrap());
    conformance::check_written(&PgCatalog::open(schema.location()).unwrap());
}

#[test]
fn keys_ending_in_ff_scan_by_prefix() {
    let Some(c) = opened() else { return };
    let put = |key: &[u8]| Write { space: Space::Memo, key: key.to_vec(), value: Some(key.to_vec()) };
    c.commit(vec![put(&[1, 0xff]), put(&[1, 0xff, 0]), put(&[2]), put(&[0xff, 0xff]), put(&[1])]).unwrap();
    let keys =
        |prefix: &[u8]| c.scan(Space::Memo, prefix).unwrap().into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(keys(&[1, 0xff]), [vec![1, 0xff], vec![1, 0xff, 0]]);
    assert_eq!(keys(&[0xff]), [vec![0xff, 0xff]]);
    assert_eq!(keys(&[0xff, 0xff, 0xff]), Vec::<Vec<u8>>::new());
}

fn versions(schema: &TestSchema) -> Vec<i32> {
    let mut client = schema.client();
    client
        .query(&format!("SELECT version FROM \"{}\".migrations ORDER BY version", schema.name), &[])
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn migrations_are_recorded_once_and_reapplying_is_a_no_op() {
    let Some(schema) = TestSchema::new() else { return };
    assert_eq!(migrations::migrate(&schema.location()).unwrap(), 0, "a new schema");
    let all: Vec<i32> = migrations::MIGRATIONS.iter().map(|(v, _)| *v as i32).collect();
    assert_eq!(versions(&schema), all);
    assert_eq!(migrations::migrate(&schema.location()).unwrap(), migrations::latest());
    assert_eq!(versions(&schema), all);
}

/// Eight openers of a new schema at once, each on its own connections (to the server, as
/// many processes): each migration is applied once, and every opener gets a working catalog.
#[test]
fn concurrent_first_opens_migrate_once() {
    let Some(schema) = TestSchema::new() else { return };
    let catalogs: Vec<PgCatalog> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8).map(|_| scope.spawn(|| PgCatalog::open(schema.location()))).collect();
        handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect()
    });
    assert_eq!(versions(&schema).len(), migrations::MIGRATIONS.len());
    let sessions: std::collections::HashSet<u64> = catalogs.iter().map(|c| c.session).collect();
    assert_eq!(sessions.len(), 8, "a session each");
    catalogs[0]
        .commit(vec![Write { space: Space::Jobs, key: b"j".to_vec(), value: Some(b"x".to_vec()) }])
        .unwrap();
    assert!(catalogs.iter().all(|c| c.get(Space::Jobs, b"j").unwrap().as_deref() == Some(&b"x"[..])));
}

#[test]
fn a_schema_newer_than_this_build_is_refused_before_anything_is_written() {
    let Some(schema) = TestSchema::new() else { return };
    drop(PgCatalog::open(schema.location()).unwrap());
    let newer = migrations::latest() as i32 + 1;
    let mut client = schema.client();
    client
        .execute(
            &format!("INSERT INTO \"{}\".migrations VALUES ($1, 0, 'taipy 9.9.9')", schema.name),
            &[&newer],
        )
        .unwrap();
    let sessions = |client: &mut Client| -> i64 {
        client.query_one(&format!("SELECT count(*) FROM \"{}\".sessions", schema.name), &[]).unwrap().get(0)
    };
    let before = sessions(&mut client);
    let err = PgCatalog::open(schema.location()).err().expect("refused");
    assert!(matches!(err, StoreError::NewerCatalogSchema { found, .. } if found == newer as u32), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("schema version {newer}")) && text.contains(&schema.name), "{text}");
    assert!(!text.contains(":taipy@"), "no password: {text}");
    assert_eq!(sessions(&mut client), before, "nothing written");
}

#[test]
fn sessions_are_alive_while_open_and_dead_once_closed() {
    let Some(schema) = TestSchema::new() else { return };
    let a = PgCatalog::open(schema.location()).unwrap();
    let b = PgCatalog::open(schema.location()).unwrap();
    let b_session = b.session;
    assert!(a.session_alive(b_session).unwrap() && b.session_alive(a.session).unwrap());
    drop(b);
    // The server ends the backend when its connection closes; give it a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while a.session_alive(b_session).unwrap() {
        assert!(std::time::Instant::now() < deadline, "session {b_session} still held");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(!a.session_alive(u64::MAX).unwrap());
}

/// Two handles commit a group checking the same record at once: exactly one lands.
#[test]
fn racing_checked_groups_let_exactly_one_through() {
    let Some(schema) = TestSchema::new() else { return };
    let a = PgCatalog::open(schema.location()).unwrap();
    let b = PgCatalog::open(schema.location()).unwrap();
    let put = |value: &[u8]| Write { space: Space::Nodes, key: b"n".to_vec(), value: Some(value.to_vec()) };
    for round in 0..20u8 {
        let base = vec![round];
        a.commit(vec![put(&base)]).unwrap();
        let check = Check { space: Space::Nodes, key: b"n".to_vec(), expected: Some(base.clone()) };
        let results: Vec<bool> = std::thread::scope(|scope| {
            let (check, base) = (&check, &base);
            let (a, b) = (&a, &b);
            let run = move |c: &'static str, catalog: &PgCatalog| {
                let mut value = base.clone();
                value.extend_from_slice(c.as_bytes());
                catalog.commit_checked(std::slice::from_ref(check), vec![put(&value)]).unwrap().is_ok()
            };
            let ha = scope.spawn(move || run("a", a));
            let hb = scope.spawn(move || run("b", b));
            vec![ha.join().unwrap(), hb.join().unwrap()]
        });
        assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "round {round}: {results:?}");
        let stored = a.get(Space::Nodes, b"n").unwrap().unwrap();
        let winner = if results[0] { b'a' } else { b'b' };
        assert_eq!(stored, [round, winner]);
    }
}

#[test]
fn unreachable_servers_wrong_passwords_and_missing_databases_are_named_without_the_password() {
    let Some(base) = server() else { return };
    let config: postgres::Config = base.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(host) => host.clone(),
        other => panic!("{other:?}"),
    };
    let port = config.get_ports()[0];
    let user = config.get_user().unwrap();
    // A port nobody listens on: bind one and close it.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cases = [
        (format!("postgres://{user}:s3cret-pw@127.0.0.1:{free}/taipy_test"), "connect"),
        (format!("postgres://{user}:s3cret-pw@{host}:{port}/{}", config.get_dbname().unwrap()), "password"),
        (
            format!("postgres://{user}:{}@{host}:{port}/no_such_db_here", {
                String::from_utf8(config.get_password().unwrap().to_vec()).unwrap()
            }),
            "no_such_db_here",
        ),
    ];
    for (url, says) in cases {
        let err = PgCatalog::open(PgLocation::parse(&url).unwrap()).err().expect("refused");
        let text = err.to_string();
        assert!(matches!(err, StoreError::CatalogUnreachable { .. }), "{text}");
        assert!(text.contains(&redact(&url)) && text.contains(says), "{says}: {text}");
        assert!(!text.contains("s3cret-pw") && !text.contains(&format!(":{}@", "taipy")), "{text}");
    }
}

/// The store's format record lives in the shared catalog as in sled: recorded at the first
/// open, and a newer one refuses the open, naming the location (without its password).
#[test]
fn the_store_format_record_works_on_postgresql() {
    use crate::store::records::{FormatRecord, decode};
    use crate::store::{Group, Store, StoreOptions, format, keys};
    let Some(schema) = TestSchema::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let options = || StoreOptions::development().with_local_folder(dir.path());
    drop(Store::open_with(&schema.url, options()).unwrap());
    let catalog = PgCatalog::open(schema.location()).unwrap();
    let key = keys::format();
    let bytes = catalog.get(Space::Meta, key.bytes()).unwrap().expect("recorded at the first open");
    let found: FormatRecord = decode("store format", key.bytes(), &bytes).unwrap();
    assert_eq!(found.version, format::CURRENT);

    let mut group = Group::default();
    group.put(&key, &FormatRecord { version: format::CURRENT + 1, written_by: "9.9.9".into() }).unwrap();
    catalog.commit(group.writes).unwrap();
    drop(catalog);
    let err = Store::open_with(&schema.url, options()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::NewerFormat { found, .. } if found == format::CURRENT + 1), "{text}");
    assert!(text.contains(&schema.name) && text.contains("9.9.9") && !text.contains(":taipy@"), "{text}");
}
