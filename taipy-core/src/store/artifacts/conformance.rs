//! The conformance suite every [`Artifacts`] backend must pass.
//!
//! A backend's tests module runs it with `crate::artifacts_conformance!(make_fixture())`, which
//! expands to one `#[test]` per check below, each on a fresh [`Fixture`]: the backend plus the
//! two things only the backend's own test knows how to do (damage a stored artifact behind its
//! back, leave a temporary file as a dead writer would).

use super::{Artifacts, Verdict};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::value::Stored;

/// A backend under test, and how to break it from outside.
pub(crate) trait Fixture {
    /// The backend.
    fn artifacts(&self) -> &dyn Artifacts;
    /// Replaces the stored bytes of artifact `name` (`<hash>.<extension>`) behind the backend's
    /// back, as a damaged disk or another program would.
    fn damage(&self, name: &str, bytes: &[u8]);
    /// Leaves a temporary file holding `bytes`, as a writer of a dead process would.
    fn leave_stale_temporary(&self, bytes: &[u8]);
}

/// One `#[test]` per conformance check, each on the fixture `$make` returns.
#[macro_export]
#[doc(hidden)]
macro_rules! artifacts_conformance {
    ($make:expr) => {
        $crate::artifacts_conformance!(@tests $make;
            put_then_open_round_trips_and_is_content_addressed,
            a_damaged_artifact_is_never_served_by_open,
            a_damaged_artifact_is_corrupt_on_verify_and_quarantined,
            a_missing_artifact_is_missing,
            check_changes_nothing,
            a_writer_replaces_a_damaged_artifact_of_the_same_name,
            a_doomed_artifact_written_again_is_kept_and_one_left_alone_is_deleted,
            list_and_usage_count_what_is_stored,
            stale_temporaries_are_removed_but_not_this_processes_own,
        );
    };
    (@tests $make:expr; $($check:ident,)*) => {
        $(
            #[test]
            fn $check() {
                let fixture = $make;
                $crate::store::artifacts::conformance::$check(&fixture);
            }
        )*
    };
}

const EXTENSION: &str = "bin";

fn put(artifacts: &dyn Artifacts, bytes: &[u8]) -> Stored {
    let temp = artifacts.temp_path(EXTENSION);
    std::fs::write(&temp, bytes).unwrap();
    let stored = artifacts.put(&temp, EXTENSION).unwrap();
    assert!(!temp.exists(), "the temporary file is gone after a put");
    stored
}

fn name(hash: &Fingerprint) -> String {
    format!("{}.{EXTENSION}", hash.to_hex())
}

fn read(artifacts: &dyn Artifacts, hash: &Fingerprint) -> Vec<u8> {
    std::fs::read(artifacts.open(hash, EXTENSION).unwrap()).unwrap()
}

pub(crate) fn put_then_open_round_trips_and_is_content_addressed(f: &dyn Fixture) {
    let a = f.artifacts();
    let first = put(a, b"same bytes");
    assert_eq!(first.hash, crate::value::hash_bytes(b"same bytes"), "named by its content hash");
    let second = put(a, b"same bytes");
    assert_eq!(first, second, "the same bytes give the same artifact");
    assert_eq!(a.list().unwrap().len(), 1, "one artifact for equal content");
    assert_eq!(read(a, &first.hash), b"same bytes");
    // Read twice (a backend with a local copy serves it again).
    assert_eq!(read(a, &first.hash), b"same bytes");
    assert_eq!(a.usage().unwrap().temporary_files, 0, "no temporary file is left");
}

pub(crate) fn a_damaged_artifact_is_never_served_by_open(f: &dyn Fixture) {
    let a = f.artifacts();
    let stored = put(a, b"the right bytes");
    assert_eq!(read(a, &stored.hash), b"the right bytes");
    f.damage(&name(&stored.hash), b"the wrong bytes");
    let err = a.open(&stored.hash, EXTENSION).unwrap_err();
    assert!(matches!(err, StoreError::ArtifactCorrupt { .. }), "{err}");
    assert_eq!(a.verify(&stored.hash, EXTENSION).unwrap(), Verdict::Missing, "moved aside");
    let usage = a.usage().unwrap();
    assert_eq!((usage.files, usage.quarantined_files), (0, 1), "{usage:?}");
    // Writing the value again gives a correct artifact.
    put(a, b"the right bytes");
    assert_eq!(read(a, &stored.hash), b"the right bytes");
}

pub(crate) fn a_damaged_artifact_is_corrupt_on_verify_and_quarantined(f: &dyn Fixture) {
    let a = f.artifacts();
    let stored = put(a, b"a longer value than what is left");
    assert_eq!(a.verify(&stored.hash, EXTENSION).unwrap(), Verdict::Intact);
    f.damage(&name(&stored.hash), b"left");
    match a.verify(&stored.hash, EXTENSION).unwrap() {
        Verdict::Corrupt { actual, quarantined } => {
            assert_eq!(actual, crate::value::hash_bytes(b"left"));
            assert!(quarantined.to_string_lossy().contains("quarantine"), "{}", quarantined.display());
        }
        other => panic!("not corrupt: {other:?}"),
    }
    assert_eq!(a.verify(&stored.hash, EXTENSION).unwrap(), Verdict::Missing);
    assert!(a.list().unwrap().is_empty(), "a quarantined artifact is not listed");
}

pub(crate) fn a_missing_artifact_is_missing(f: &dyn Fixture) {
    let a = f.artifacts();
    let never = crate::value::hash_bytes(b"never stored");
    assert_eq!(a.verify(&never, EXTENSION).unwrap(), Verdict::Missing);
    assert_eq!(a.check(&never, EXTENSION).unwrap(), None);
    let err = a.open(&never, EXTENSION).unwrap_err();
    assert!(!matches!(err, StoreError::ArtifactCorrupt { .. }), "{err}");
    assert!(err.to_string().contains(&never.to_hex()), "the error names the artifact: {err}");
}

pub(crate) fn check_changes_nothing(f: &dyn Fixture) {
    let a = f.artifacts();
    let intact = put(a, b"intact");
    let damaged = put(a, b"to be damaged");
    assert_eq!(a.check(&intact.hash, EXTENSION).unwrap(), Some(true));
    f.damage(&name(&damaged.hash), b"damaged bytes");
    for _ in 0..2 {
        assert_eq!(a.check(&damaged.hash, EXTENSION).unwrap(), Some(false));
    }
    assert_eq!(a.list().unwrap().len(), 2, "nothing moved");
    assert_eq!(a.usage().unwrap().quarantined_files, 0, "nothing quarantined");
    // verify, unlike check, quarantines.
    assert!(matches!(a.verify(&damaged.hash, EXTENSION).unwrap(), Verdict::Corrupt { .. }));
}

pub(crate) fn a_writer_replaces_a_damaged_artifact_of_the_same_name(f: &dyn Fixture) {
    let a = f.artifacts();
    let stored = put(a, b"0123456789");
    f.damage(&name(&stored.hash), b"9876543210");
    // The writer does not take the damaged artifact for its own.
    put(a, b"0123456789");
    assert_eq!(a.check(&stored.hash, EXTENSION).unwrap(), Some(true));
    assert_eq!(read(a, &stored.hash), b"0123456789");
}

pub(crate) fn a_doomed_artifact_written_again_is_kept_and_one_left_alone_is_deleted(f: &dyn Fixture) {
    let a = f.artifacts();
    let wanted = put(a, b"wanted again");
    let unwanted = put(a, b"nobody wants this");
    let names: Vec<String> = a.list().unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names.len(), 2);
    a.doom(&names);
    // A value with the same bytes lands after the decision, before the deletion.
    assert_eq!(put(a, b"wanted again"), wanted);
    let freed: Vec<Option<u64>> = names.iter().map(|name| a.delete_doomed(name).unwrap()).collect();
    assert_eq!(freed.iter().flatten().collect::<Vec<_>>(), [&17], "only the unwanted one: {freed:?}");
    assert_eq!(read(a, &wanted.hash), b"wanted again");
    assert_eq!(a.verify(&unwanted.hash, EXTENSION).unwrap(), Verdict::Missing);
    // Not doomed (any more): nothing to delete.
    assert_eq!(a.delete_doomed(&name(&wanted.hash)).unwrap(), None);
}

pub(crate) fn list_and_usage_count_what_is_stored(f: &dyn Fixture) {
    let a = f.artifacts();
    assert!(a.list().unwrap().is_empty());
    let one = put(a, b"one");
    let three = put(a, b"three bytes and more");
    let mut expected = vec![(name(&one.hash), Some(one.hash), 3), (name(&three.hash), Some(three.hash), 20)];
    expected.sort();
    let listed: Vec<_> = a.list().unwrap().into_iter().map(|f| (f.name, f.hash, f.bytes)).collect();
    assert_eq!(listed, expected, "sorted by name, with hash and size");
    let usage = a.usage().unwrap();
    assert_eq!((usage.files, usage.bytes), (2, 23), "{usage:?}");
    assert_eq!((usage.quarantined_files, usage.temporary_files), (0, 0), "{usage:?}");
}

pub(crate) fn stale_temporaries_are_removed_but_not_this_processes_own(f: &dyn Fixture) {
    let a = f.artifacts();
    let own = a.temp_path(EXTENSION);
    std::fs::write(&own, b"being written").unwrap();
    f.leave_stale_temporary(b"left by a dead process");
    let usage = a.usage().unwrap();
    assert_eq!((usage.temporary_files, usage.temporary_bytes), (2, 13 + 22), "{usage:?}");
    assert!(a.list().unwrap().is_empty(), "temporary files are not artifacts");
    assert_eq!(a.remove_stale_temporaries(false).unwrap(), 22);
    assert!(own.exists(), "a writer of this process still owns it");
    assert_eq!(a.remove_stale_temporaries(true).unwrap(), 13);
    assert!(!own.exists());
}
