//! The conformance suite every [`Catalog`] backend must pass.
//!
//! A backend's tests module runs it with `crate::catalog_conformance!(make_catalog())`, which
//! expands to one `#[test]` per check below, each on a fresh catalog. Checks that need a reopen
//! (durability) take the backend's own open function: see `sled.rs`.

use super::{Catalog, Check, Group, Write};
use crate::store::keys::{self, Space};
use crate::store::records::{SequenceRecord, decode};

/// One `#[test]` per conformance check, each on the catalog `$make` returns.
#[macro_export]
#[doc(hidden)]
macro_rules! catalog_conformance {
    ($make:expr) => {
        $crate::catalog_conformance!(@list plain $make);
    };
    // `$make` returns `Option<G>` where `G` derefs to the catalog (and cleans up when dropped);
    // `None` skips the check (a service that is not there outside CI).
    (guarded $make:expr) => {
        $crate::catalog_conformance!(@list guarded $make);
    };
    (@list $mode:ident $make:expr) => {
        $crate::catalog_conformance!(@tests $mode $make;
            a_missing_record_is_none,
            a_put_record_is_read_back,
            a_later_write_of_a_group_wins,
            a_removed_record_is_gone,
            a_scan_is_in_key_order,
            a_scan_stays_in_its_space,
            a_scan_prefix_excludes_longer_ids,
            a_visiting_scan_sees_what_a_scan_returns,
            many_gets_answer_each_key_in_order,
            the_last_of_a_prefix_is_its_greatest_key,
            an_empty_group_commits,
            a_group_mixing_files_and_records_is_refused_whole,
            generated_ids_are_unique_across_threads,
            keys_and_values_are_binary_safe,
            a_large_space_scans_completely,
            typed_groups_round_trip,
            concurrent_groups_all_land,
            a_group_whose_checks_hold_commits,
            a_failed_check_refuses_the_group_whole,
        );
    };
    (@tests $mode:ident $make:expr; $($check:ident,)*) => {
        $(
            #[test]
            fn $check() {
                $crate::catalog_conformance!(@run $mode $make, $check);
            }
        )*
    };
    (@run plain $make:expr, $check:ident) => {{
        let catalog = $make;
        $crate::store::catalog::conformance::$check(&catalog);
    }};
    (@run guarded $make:expr, $check:ident) => {{
        let Some(guard) = $make else { return };
        $crate::store::catalog::conformance::$check(&*guard);
    }};
}

fn put(space: Space, key: &[u8], value: &[u8]) -> Write {
    Write { space, key: key.to_vec(), value: Some(value.to_vec()) }
}

fn remove(space: Space, key: &[u8]) -> Write {
    Write { space, key: key.to_vec(), value: None }
}

pub(crate) fn a_missing_record_is_none(c: &dyn Catalog) {
    assert_eq!(c.get(Space::Jobs, b"nothing").unwrap(), None);
    assert!(c.scan(Space::Jobs, b"").unwrap().is_empty());
}

pub(crate) fn a_put_record_is_read_back(c: &dyn Catalog) {
    c.commit(vec![put(Space::Jobs, b"j1", b"one")]).unwrap();
    assert_eq!(c.get(Space::Jobs, b"j1").unwrap().as_deref(), Some(&b"one"[..]));
    c.commit(vec![put(Space::Jobs, b"j1", b"two")]).unwrap();
    assert_eq!(c.get(Space::Jobs, b"j1").unwrap().as_deref(), Some(&b"two"[..]));
}

pub(crate) fn a_later_write_of_a_group_wins(c: &dyn Catalog) {
    c.commit(vec![put(Space::Nodes, b"n", b"first"), put(Space::Nodes, b"n", b"second")]).unwrap();
    assert_eq!(c.get(Space::Nodes, b"n").unwrap().as_deref(), Some(&b"second"[..]));
    c.commit(vec![put(Space::Nodes, b"m", b"x"), remove(Space::Nodes, b"m")]).unwrap();
    assert_eq!(c.get(Space::Nodes, b"m").unwrap(), None);
}

pub(crate) fn a_removed_record_is_gone(c: &dyn Catalog) {
    c.commit(vec![put(Space::Scenarios, b"s", b"x"), put(Space::Scenarios, b"t", b"y")]).unwrap();
    c.commit(vec![remove(Space::Scenarios, b"s"), remove(Space::Scenarios, b"never there")]).unwrap();
    assert_eq!(c.get(Space::Scenarios, b"s").unwrap(), None);
    assert_eq!(c.scan(Space::Scenarios, b"").unwrap(), vec![(b"t".to_vec(), b"y".to_vec())]);
}

pub(crate) fn a_scan_is_in_key_order(c: &dyn Catalog) {
    let numbers = [10u64, 2, 300, 1, 70_000];
    let writes = numbers.iter().map(|n| put(Space::Versions, keys::version("n", *n).bytes(), b"v")).collect();
    c.commit(writes).unwrap();
    let found: Vec<u64> = c
        .scan(Space::Versions, keys::versions_of("n").bytes())
        .unwrap()
        .into_iter()
        .map(|(k, _)| u64::from_be_bytes(k[2..].try_into().unwrap()))
        .collect();
    assert_eq!(found, [1, 2, 10, 300, 70_000]);
}

/// A node's newest version: the greatest key under its prefix, never one of a longer id or of
/// another space.
pub(crate) fn the_last_of_a_prefix_is_its_greatest_key(c: &dyn Catalog) {
    assert_eq!(c.last(Space::Versions, keys::versions_of("n").bytes()).unwrap(), None);
    let mut writes: Vec<Write> = [10u64, 2, 300, 1]
        .iter()
        .map(|n| put(Space::Versions, keys::version("n", *n).bytes(), b"v"))
        .collect();
    writes.push(put(Space::Versions, keys::version("n", 70_000).bytes(), b"newest"));
    writes.push(put(Space::Versions, keys::version("n2", 90_000).bytes(), b"longer id"));
    writes.push(put(Space::Versions, keys::version("o", 1).bytes(), b"next id"));
    writes.push(put(Space::Jobs, keys::version("n", 80_000).bytes(), b"other space"));
    c.commit(writes).unwrap();
    let last = c.last(Space::Versions, keys::versions_of("n").bytes()).unwrap();
    assert_eq!(last, Some((keys::version("n", 70_000).bytes().to_vec(), b"newest".to_vec())));
    c.commit(vec![remove(Space::Versions, keys::version("n", 70_000).bytes())]).unwrap();
    let last = c.last(Space::Versions, keys::versions_of("n").bytes()).unwrap();
    assert_eq!(last.map(|(k, _)| k), Some(keys::version("n", 300).bytes().to_vec()));
    // A prefix of 0xff bytes has no end: the range runs to the end of the space.
    c.commit(vec![put(Space::Meta, &[0xff, 0xff, 1], b"a"), put(Space::Meta, &[0xff, 0xff, 2], b"b")])
        .unwrap();
    assert_eq!(c.last(Space::Meta, &[0xff, 0xff]).unwrap(), Some((vec![0xff, 0xff, 2], b"b".to_vec())));
}

pub(crate) fn a_scan_stays_in_its_space(c: &dyn Catalog) {
    c.commit(vec![put(Space::Jobs, b"same", b"job"), put(Space::Submissions, b"same", b"submission")])
        .unwrap();
    c.commit(vec![put(Space::Files, b"same", b"file")]).unwrap();
    assert_eq!(c.scan(Space::Jobs, b"").unwrap(), vec![(b"same".to_vec(), b"job".to_vec())]);
    assert_eq!(c.scan(Space::Submissions, b"").unwrap(), vec![(b"same".to_vec(), b"submission".to_vec())]);
    assert_eq!(c.get(Space::Files, b"same").unwrap().as_deref(), Some(&b"file"[..]));
    assert_eq!(c.scan(Space::Memo, b"").unwrap(), vec![]);
}

pub(crate) fn a_scan_prefix_excludes_longer_ids(c: &dyn Catalog) {
    c.commit(vec![
        put(Space::TaskRuns, &keys::task_run("s", "a"), b"1"),
        put(Space::TaskRuns, &keys::task_run("s2", "a"), b"2"),
        put(Space::TaskRuns, &keys::task_run("s", "b"), b"3"),
    ])
    .unwrap();
    let found = c.scan(Space::TaskRuns, keys::run_sets_of("s").bytes()).unwrap();
    assert_eq!(found.iter().map(|(_, v)| v.as_slice()).collect::<Vec<_>>(), [b"1", b"3"]);
}

/// `scan_each` hands the visitor exactly what `scan` returns, in the same order: the records of
/// the prefix in its space only, keys without the space's prefix.
pub(crate) fn a_visiting_scan_sees_what_a_scan_returns(c: &dyn Catalog) {
    c.commit(vec![
        put(Space::TaskRuns, &keys::task_run("s", "t10"), b"10"),
        put(Space::TaskRuns, &keys::task_run("s", "t1"), &[0, 255, 7]),
        put(Space::TaskRuns, &keys::task_run("s2", "t1"), b"longer id"),
        put(Space::Jobs, &keys::task_run("s", "t2"), b"other space"),
        put(Space::TaskRuns, &keys::task_run("s", "t2"), b"2"),
    ])
    .unwrap();
    let prefix = keys::run_sets_of("s");
    let mut visited = Vec::new();
    c.scan_each(Space::TaskRuns, prefix.bytes(), &mut |k, v| visited.push((k.to_vec(), v.to_vec()))).unwrap();
    assert_eq!(visited, c.scan(Space::TaskRuns, prefix.bytes()).unwrap());
    let values: Vec<&[u8]> = visited.iter().map(|(_, v)| v.as_slice()).collect();
    assert_eq!(values, [&[0, 255, 7][..], b"10", b"2"]);
}

pub(crate) fn an_empty_group_commits(c: &dyn Catalog) {
    c.commit(Vec::new()).unwrap();
    c.flush().unwrap();
}

pub(crate) fn a_group_mixing_files_and_records_is_refused_whole(c: &dyn Catalog) {
    let err = c.commit(vec![put(Space::Jobs, b"j", b"x"), put(Space::Files, b"/f", b"y")]).unwrap_err();
    assert!(err.to_string().contains("mixes"), "{err}");
    assert_eq!(c.get(Space::Jobs, b"j").unwrap(), None, "nothing of a refused group lands");
    assert_eq!(c.get(Space::Files, b"/f").unwrap(), None);
}

pub(crate) fn generated_ids_are_unique_across_threads(c: &dyn Catalog) {
    let ids = std::sync::Mutex::new(std::collections::HashSet::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..500 {
                    assert!(ids.lock().unwrap().insert(c.generate_id().unwrap()));
                }
            });
        }
    });
    assert_eq!(ids.into_inner().unwrap().len(), 2000);
}

pub(crate) fn keys_and_values_are_binary_safe(c: &dyn Catalog) {
    let key = [0u8, 255, 0, 1];
    c.commit(vec![put(Space::Memo, &key, &[]), put(Space::Memo, &[0], &[0, 0])]).unwrap();
    assert_eq!(c.get(Space::Memo, &key).unwrap(), Some(Vec::new()));
    assert_eq!(c.scan(Space::Memo, &[0]).unwrap().len(), 2);
}

/// `get_many` answers as one `get` per key would: in the keys' order, `None` for a missing
/// key, whether the keys are sorted, far apart, repeated, out of order, or next to another
/// space's records.
pub(crate) fn many_gets_answer_each_key_in_order(c: &dyn Catalog) {
    let key = |i: u32| format!("S_{i:04}").into_bytes();
    for chunk in (0..1000u32).collect::<Vec<_>>().chunks(500) {
        c.commit(chunk.iter().map(|i| put(Space::Scenarios, &key(*i), &i.to_be_bytes())).collect()).unwrap();
    }
    c.commit(vec![put(Space::Jobs, &key(5), b"other space"), put(Space::Jobs, b"S_9999", b"other")]).unwrap();
    let one_by_one = |keys: &[Vec<u8>]| -> Vec<Option<Vec<u8>>> {
        keys.iter().map(|k| c.get(Space::Scenarios, k).unwrap()).collect()
    };
    let asked: Vec<Vec<Vec<u8>>> = vec![
        vec![],
        (0..1000).map(key).collect(),
        // Sparse: a seek between most of them.
        (0..1000).step_by(97).map(key).collect(),
        // Missing keys between, before and after the present ones (one past the space's end).
        vec![b"S_".to_vec(), key(3), b"S_0003x".to_vec(), key(4), key(999), key(1000), b"S_9999".to_vec()],
        // Out of order and repeated.
        vec![key(900), key(10), key(10), key(500), key(11), key(900)],
    ];
    for keys in asked {
        let many = c.get_many(Space::Scenarios, &keys).unwrap();
        assert_eq!(
            many,
            one_by_one(&keys),
            "keys {:?}",
            keys.iter().map(|k| String::from_utf8_lossy(k)).collect::<Vec<_>>()
        );
    }
    assert_eq!(c.get_many(Space::Scenarios, &[key(7)]).unwrap(), [Some(7u32.to_be_bytes().to_vec())]);
    assert_eq!(c.get_many(Space::Jobs, &[key(5), key(6)]).unwrap(), [Some(b"other space".to_vec()), None]);
}

pub(crate) fn a_large_space_scans_completely(c: &dyn Catalog) {
    for chunk in (0..10_000u32).collect::<Vec<_>>().chunks(1000) {
        c.commit(chunk.iter().map(|i| put(Space::Jobs, format!("JOB_{i:05}").as_bytes(), b"j")).collect())
            .unwrap();
    }
    let found = c.scan(Space::Jobs, b"JOB_").unwrap();
    assert_eq!(found.len(), 10_000);
    assert!(found.windows(2).all(|w| w[0].0 < w[1].0));
}

pub(crate) fn typed_groups_round_trip(c: &dyn Catalog) {
    let mut group = Group::default();
    let record = SequenceRecord { tasks: vec!["clean".into(), "score".into()] };
    group.put(&keys::sequence("s", "fast"), &record).unwrap();
    group.put(&keys::sequence("s", "gone"), &record).unwrap();
    group.remove(&keys::sequence("s", "gone"));
    c.commit(group.writes).unwrap();
    let found = c.scan(Space::Sequences, keys::sequences_of("s").bytes()).unwrap();
    assert_eq!(found.len(), 1);
    let back: SequenceRecord = decode("sequence", &found[0].0, &found[0].1).unwrap();
    assert_eq!(back, record);
}

pub(crate) fn concurrent_groups_all_land(c: &dyn Catalog) {
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            scope.spawn(move || {
                for i in 0..200u32 {
                    let key = format!("{t}-{i}");
                    c.commit(vec![
                        put(Space::Jobs, key.as_bytes(), b"job"),
                        put(Space::Submissions, key.as_bytes(), b"submission"),
                    ])
                    .unwrap();
                }
            });
        }
    });
    assert_eq!(c.scan(Space::Jobs, b"").unwrap().len(), 800);
    assert_eq!(c.scan(Space::Submissions, b"").unwrap().len(), 800);
}

pub(crate) fn a_group_whose_checks_hold_commits(c: &dyn Catalog) {
    c.commit(vec![put(Space::Nodes, b"n", b"v1")]).unwrap();
    let checks = [
        Check { space: Space::Nodes, key: b"n".to_vec(), expected: Some(b"v1".to_vec()) },
        Check { space: Space::Nodes, key: b"new".to_vec(), expected: None },
    ];
    let writes = vec![put(Space::Nodes, b"n", b"v2"), put(Space::Nodes, b"new", b"x")];
    c.commit_checked(&checks, writes).unwrap().unwrap();
    assert_eq!(c.get(Space::Nodes, b"n").unwrap().as_deref(), Some(&b"v2"[..]));
    assert_eq!(c.get(Space::Nodes, b"new").unwrap().as_deref(), Some(&b"x"[..]));
}

pub(crate) fn a_failed_check_refuses_the_group_whole(c: &dyn Catalog) {
    c.commit(vec![put(Space::Nodes, b"n", b"v2"), put(Space::Nodes, b"taken", b"t")]).unwrap();
    let stale = Check { space: Space::Nodes, key: b"n".to_vec(), expected: Some(b"v1".to_vec()) };
    let writes = vec![put(Space::Jobs, b"j", b"done"), put(Space::Nodes, b"n", b"v3")];
    let mismatch = c.commit_checked(std::slice::from_ref(&stale), writes).unwrap().unwrap_err();
    assert_eq!((mismatch.check, mismatch.found.as_deref()), (stale, Some(&b"v2"[..])));
    assert_eq!(c.get(Space::Nodes, b"n").unwrap().as_deref(), Some(&b"v2"[..]), "nothing lands");
    assert_eq!(c.get(Space::Jobs, b"j").unwrap(), None, "nothing lands");
    // Expecting no record where there is one fails too.
    let absent = Check { space: Space::Nodes, key: b"taken".to_vec(), expected: None };
    let mismatch = c.commit_checked(&[absent], vec![put(Space::Jobs, b"j", b"x")]).unwrap().unwrap_err();
    assert_eq!(mismatch.found.as_deref(), Some(&b"t"[..]));
    assert_eq!(c.get(Space::Jobs, b"j").unwrap(), None);
}

/// For backends that persist: writes records of several spaces and flushes.
pub(crate) fn write_and_flush(c: &dyn Catalog) {
    c.commit(vec![put(Space::Scenarios, b"s", b"scenario"), put(Space::Versions, b"v", b"version")]).unwrap();
    c.commit(vec![put(Space::Files, b"/f", b"stamp")]).unwrap();
    c.flush().unwrap();
}

/// For backends that persist: what [`write_and_flush`] wrote is there after a reopen.
pub(crate) fn check_written(c: &dyn Catalog) {
    assert_eq!(c.get(Space::Scenarios, b"s").unwrap().as_deref(), Some(&b"scenario"[..]));
    assert_eq!(c.get(Space::Versions, b"v").unwrap().as_deref(), Some(&b"version"[..]));
    assert_eq!(c.get(Space::Files, b"/f").unwrap().as_deref(), Some(&b"stamp"[..]));
}
