//! Changing a stored type: the user swaps two `String` fields of a struct, or adds one, and
//! reopens the same store. The same scenario is declared three times, in modules `v1`, `v2`
//! (fields swapped) and `v3` (a field added); each module's task functions are written with
//! the same tokens, so their code fingerprints are equal, as when only the struct is edited.
//!
//! A value is never decoded as a type of another layout: the producer of a changed node
//! re-runs, and a source node holding an old-layout value is a clear error naming the node and
//! both layouts (never swapped fields, never "invalid utf-8").

#![deny(warnings)]
#![allow(unreachable_pub)]

mod common;

use common::child::{Child, this_test};
use taipy::prelude::*;
use taipy::{JobStatus, Planned, StoreError, Submission};

/// Declares the scenario `Trip` over this module's `Place`: `home` is a source node, `copy` is
/// produced from it; `city` is a source string from which `place` is produced.
macro_rules! trip {
    () => {
        use taipy::prelude::*;

        #[task]
        pub fn echo(home: &Place) -> Place {
            home.clone()
        }

        #[task]
        pub fn locate(city: &str) -> Place {
            Place::at(city)
        }

        scenario! {
            pub Trip {
                home: Place = Place::at("Paris"),
                city: String = "Lyon".to_owned(),
                copy = echo(home),
                place = locate(city),
            }
        }
    };
}

mod v1 {
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Place {
        pub city: String,
        pub country: String,
    }
    taipy::serde_value!(Place);

    impl Place {
        pub fn at(city: &str) -> Self {
            Self { city: city.to_owned(), country: "France".to_owned() }
        }
    }

    trip!();
}

/// `v1` with the two fields swapped.
mod v2 {
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Place {
        pub country: String,
        pub city: String,
    }
    taipy::serde_value!(Place);

    impl Place {
        pub fn at(city: &str) -> Self {
            Self { city: city.to_owned(), country: "France".to_owned() }
        }
    }

    trip!();
}

/// `v1` with a field added.
mod v3 {
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Place {
        pub city: String,
        pub country: String,
        pub zip: String,
    }
    taipy::serde_value!(Place);

    impl Place {
        pub fn at(city: &str) -> Self {
            Self { city: city.to_owned(), country: "France".to_owned(), zip: "00000".to_owned() }
        }
    }

    trip!();
}

/// `v1` with `city` renamed `town`: the stored bytes are the same, only the layout differs.
mod v4 {
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Place {
        pub town: String,
        pub country: String,
    }
    taipy::serde_value!(Place);

    impl Place {
        pub fn at(city: &str) -> Self {
            Self { town: city.to_owned(), country: "France".to_owned() }
        }
    }

    trip!();
}

/// A store in `dir` where `v1::Trip` "trip" was created and submitted once.
fn written_with_v1(dir: &std::path::Path) {
    let store = Store::open_with(dir, StoreOptions::development()).unwrap();
    let trip = v1::Trip::create(&store, "trip").unwrap();
    let report = trip.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed).len(), 2);
    assert_eq!(trip.copy().read().unwrap(), v1::Place::at("Paris"));
}

/// The jobs of a finished submission, by task: (status, reason or error text).
fn outcome(submission: &Submission, task: &str) -> (JobStatus, String) {
    let _ = submission.wait();
    let job = submission.jobs().into_iter().find(|j| j.task == task).unwrap();
    let text = match (&job.error, &job.reason) {
        (Some(error), _) => error.to_string(),
        (None, Some(reason)) => reason.to_string(),
        (None, None) => String::new(),
    };
    (job.status, text)
}

#[test]
fn swapped_fields_are_never_read_swapped_and_producers_re_run() {
    let dir = tempfile::tempdir().unwrap();
    written_with_v1(dir.path());

    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let trip = v2::Trip::find(&store, "trip").unwrap().unwrap();

    // The source node: a clear error naming the node and both layouts, not swapped fields.
    let err = trip.home().read().expect_err("read v1 bytes as the swapped v2 struct");
    let text = err.to_string();
    assert!(matches!(err, StoreError::LayoutChanged { .. }), "{err:?}");
    assert!(text.contains("`home`"), "{text}");
    assert!(text.contains("Place { city: String, country: String }"), "{text}");
    assert!(text.contains("Place { country: String, city: String }"), "{text}");
    assert!(text.contains("write a new value") && text.contains("taipy::migration!"), "{text}");

    // A produced node read before the next submit: an error that says to submit.
    let err = trip.place().read().expect_err("read v1 bytes as the swapped v2 struct");
    assert!(err.to_string().contains("`place`") && err.to_string().contains("submit"), "{err}");

    // The submit: both producers re-run (their types changed layout). `locate` completes;
    // `echo` cannot read its old-layout input and fails with the same clear error.
    let submission = trip.submit().unwrap();
    let (status, reason) = outcome(&submission, "locate");
    assert_eq!((status, reason.as_str()), (JobStatus::Completed, "type layout changed: output `place`"));
    assert_eq!(trip.place().read().unwrap(), v2::Place::at("Lyon"));
    let (status, error) = outcome(&submission, "echo");
    assert_eq!(status, JobStatus::Failed);
    assert!(error.contains("`home`") && error.contains("write a new value"), "{error}");

    // Writing a new value is the way out; then everything runs with the new layout.
    trip.home().write(v2::Place::at("Nice")).unwrap();
    let report = trip.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["echo"]);
    assert_eq!(trip.copy().read().unwrap(), v2::Place::at("Nice"));
    let report = trip.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped).len(), 2);
}

#[test]
fn an_added_field_is_a_clear_error_or_a_re_run_never_invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    written_with_v1(dir.path());

    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let trip = v3::Trip::find(&store, "trip").unwrap().unwrap();
    let text = trip.home().read().expect_err("v1 bytes have no zip").to_string();
    assert!(!text.contains("utf-8"), "{text}");
    assert!(text.contains("`home`") && text.contains("zip: String"), "{text}");

    let submission = trip.submit().unwrap();
    let (status, reason) = outcome(&submission, "locate");
    assert_eq!((status, reason.as_str()), (JobStatus::Completed, "type layout changed: output `place`"));
    assert_eq!(trip.place().read().unwrap(), v3::Place::at("Lyon"));
    let (status, error) = outcome(&submission, "echo");
    assert_eq!(status, JobStatus::Failed);
    assert!(!error.contains("utf-8") && error.contains("`home`"), "{error}");
}

/// A renamed field leaves the bytes as they were: the value is still refused, and the re-run
/// producer's output, equal in content, is recorded anew with the new layout (an early cutoff
/// on the content alone would keep the old-layout version, unreadable for good).
#[test]
fn a_renamed_field_with_the_same_bytes_is_refused_and_recorded_anew() {
    let dir = tempfile::tempdir().unwrap();
    written_with_v1(dir.path());
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let trip = v4::Trip::find(&store, "trip").unwrap().unwrap();
    let err = trip.home().read().expect_err("v1 bytes decode as v4, but v4 renamed `city`");
    assert!(err.to_string().contains("Place { town: String, country: String }"), "{err}");

    let submission = trip.submit().unwrap();
    let (status, reason) = outcome(&submission, "locate");
    assert_eq!((status, reason.as_str()), (JobStatus::Completed, "type layout changed: output `place`"));
    assert_eq!(trip.place().read().unwrap(), v4::Place::at("Lyon"));
    assert_eq!(trip.place().history().unwrap().len(), 2, "same content, new layout: a new version");
    trip.home().write(v4::Place::at("Paris")).unwrap();
    assert_eq!(trip.home().read().unwrap(), v4::Place::at("Paris"));
}

/// The plan foresees what the submit then does: the reader of an old-layout source fails
/// (not "runs"), the producer of a changed type runs.
#[test]
fn the_plan_says_the_reader_of_an_old_layout_source_fails() {
    let dir = tempfile::tempdir().unwrap();
    written_with_v1(dir.path());
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let trip = v2::Trip::find(&store, "trip").unwrap().unwrap();

    // Neither the source nor the nodes computed from the old layout are up to date.
    assert!(!trip.home().is_up_to_date().unwrap());
    assert!(!trip.copy().is_up_to_date().unwrap() && !trip.place().is_up_to_date().unwrap());
    let plan = trip.plan().unwrap();
    let Some(Planned::Fail { error }) = plan.get("echo") else { panic!("{plan}") };
    assert!(error.contains("`home`") && error.contains("write a new value"), "{error}");
    assert_eq!(plan.get("locate").unwrap().to_string(), "runs: type layout changed: output `place`");
    let submission = trip.submit().unwrap();
    assert_eq!(outcome(&submission, "echo"), (JobStatus::Failed, error.clone()));

    trip.home().write(v2::Place::at("Nice")).unwrap();
    assert!(trip.home().is_up_to_date().unwrap());
    let plan = trip.plan().unwrap();
    assert!(matches!(plan.get("echo"), Some(Planned::Run(_))), "{plan}");
}

/// Going back to the first layout finds the results computed with it: nothing re-runs.
#[test]
fn returning_to_the_earlier_type_reuses_its_results() {
    let dir = tempfile::tempdir().unwrap();
    written_with_v1(dir.path());
    {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let trip = v2::Trip::find(&store, "trip").unwrap().unwrap();
        let _ = trip.submit().unwrap().wait();
    }
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let trip = v1::Trip::find(&store, "trip").unwrap().unwrap();
    assert_eq!(trip.home().read().unwrap(), v1::Place::at("Paris"));
    let report = trip.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped).len(), 2, "{:?}", report.jobs);
    assert_eq!(trip.place().read().unwrap(), v1::Place::at("Lyon"));
}

const MODE: &str = "TAIPY_TEST_TYPES_MODE";
const STORE: &str = "TAIPY_TEST_TYPES_STORE";

/// The child's entry point (returns at once in a normal run): `write-v1` creates and submits
/// the scenario with `v1`; `read-v2` prints what reading `home` as `v2` gives. A `read-v2`
/// child never meets `v1`'s types, so the old layout it shows can only come from the store.
#[test]
fn child_process() {
    let Ok(mode) = std::env::var(MODE) else { return };
    let store = std::path::PathBuf::from(std::env::var(STORE).unwrap());
    match mode.as_str() {
        "write-v1" => written_with_v1(&store),
        "read-v2" => {
            let store = Store::open_with(&store, StoreOptions::development()).unwrap();
            let trip = v2::Trip::find(&store, "trip").unwrap().unwrap();
            match trip.home().read() {
                Ok(place) => println!("READ {place:?}"),
                Err(e) => println!("ERROR {e}"),
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn in_child(mode: &str, store: &std::path::Path) -> String {
    let mut command = this_test("child_process");
    command.env(MODE, mode).env(STORE, store);
    let ended = Child::spawn(command, store.parent().unwrap()).wait();
    assert!(ended.status.success(), "{ended}");
    ended.stdout
}

#[test]
fn a_process_with_only_the_new_type_shows_the_old_layout_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    in_child("write-v1", &store);
    let out = in_child("read-v2", &store);
    // libtest prints the test's name first, on the same line.
    let found = |l: &str| ["ERROR ", "READ "].iter().find_map(|m| l.find(m)).map(|at| l[at..].to_owned());
    let line = out.lines().find_map(found).unwrap_or_default();
    assert!(line.starts_with("ERROR data node `home`"), "{out}");
    assert!(line.contains("stored `Place { city: String, country: String }`"), "{line}");
    assert!(line.contains("now `Place { country: String, city: String }`"), "{line}");
}
