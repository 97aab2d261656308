//! The helpers against a sort-based median and quantile on random data (fixed seeds), with
//! tiny limits that force many passes as well as the default ones, and against values pandas
//! computes.

use std::collections::BTreeMap;

use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::keys::{from_order_key, order_key};
use super::select::{Limits, Trace, Wanted};
use super::{QuantileError, compute, median, quantile};

/// Four buckets a pass, a handful of values held: the first pass stops keeping values, ranges
/// are narrowed two bits a pass.
const TINY: Limits = Limits { bucket_bits: 2, histogram_limit: 1 << 20, value_limit: 3, split_above: 1 };
/// 16 buckets a pass.
const SMALL: Limits = Limits { bucket_bits: 4, histogram_limit: 1 << 20, value_limit: 40, split_above: 10 };
/// Room for few histogram buckets in all: with many cells, each is split in two a pass.
const NARROW: Limits = Limits { bucket_bits: 16, histogram_limit: 16, value_limit: 20, split_above: 4 };

/// Rows of a group key and two value columns, a float and an integer.
type Rows = Vec<(Option<i64>, Option<f64>, Option<i64>)>;

fn frame(rows: &Rows) -> LazyFrame {
    df!(
        "k" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "x" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "n" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
    )
    .unwrap()
    .lazy()
}

/// The statistic by sorting, with pandas' formulas written out again.
fn by_sorting(values: &[Option<f64>], wanted: Wanted) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().flatten().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return None;
    }
    Some(match wanted {
        Wanted::Median if n % 2 == 1 => v[n / 2],
        Wanted::Median => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        Wanted::Quantile { q, grouped: true } => {
            // pandas' group_quantile.
            let at = q * (n - 1) as f64;
            let (i, frac) = (at as usize, at % 1.0);
            if frac == 0.0 { v[i] } else { v[i] + (v[i + 1] - v[i]) * frac }
        }
        Wanted::Quantile { q, grouped: false } => {
            // numpy's linear method and `_lerp`.
            let at = (n - 1) as f64 * q;
            let prev = at.floor();
            let (a, b, t) = (v[prev as usize], v[(prev as usize + 1).min(n - 1)], at - prev);
            if t >= 0.5 { b - (b - a) * (1.0 - t) } else { a + (b - a) * t }
        }
    })
}

/// Equal as bits, or both NaN.
fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        (a, b) => a == b,
    }
}

/// Checks every group and both columns against [`by_sorting`].
fn check(rows: &Rows, grouped: bool, wanted: Wanted, limits: Limits) {
    let keys: &[&str] = if grouped { &["k"] } else { &[] };
    let (out, trace) = compute(frame(rows), keys, &["x", "n"], wanted, limits).unwrap();
    assert!(trace.held <= limits.value_limit, "{limits:?}: {trace:?} holds more values than allowed");
    // Groups in pandas' order, nulls last.
    // Per group (null last): the values of `x` and of `n`.
    type Cells = BTreeMap<(bool, i64), (Vec<Option<f64>>, Vec<Option<f64>>)>;
    let mut expected = Cells::new();
    if !grouped {
        expected.insert((false, 0), Default::default());
    }
    for &(k, x, n) in rows {
        let key = if grouped { (k.is_none(), k.unwrap_or(0)) } else { (false, 0) };
        let cell = expected.entry(key).or_default();
        cell.0.push(x);
        cell.1.push(n.map(|n| n as f64));
    }
    assert_eq!(out.height(), expected.len(), "{wanted:?} {limits:?}: groups");
    let (xs, ns) = (out.column("x").unwrap().f64().unwrap(), out.column("n").unwrap().f64().unwrap());
    for (row, ((null, key), (x, n))) in expected.iter().enumerate() {
        if grouped {
            let k = out.column("k").unwrap().i64().unwrap().get(row);
            assert_eq!(k, (!null).then_some(*key), "{wanted:?}: group order");
        }
        let (want_x, want_n) = (by_sorting(x, wanted), by_sorting(n, wanted));
        assert!(
            same(xs.get(row), want_x),
            "{wanted:?} {limits:?} group {key}: x {:?} != {want_x:?}",
            xs.get(row)
        );
        assert!(
            same(ns.get(row), want_n),
            "{wanted:?} {limits:?} group {key}: n {:?} != {want_n:?}",
            ns.get(row)
        );
    }
}

/// Checks the median and a few quantiles, grouped and not, with every set of limits (fewer
/// quantiles with the tiny limits, whose 32 passes are slow in a debug build).
fn check_all(rows: &Rows) {
    for (limits, qs) in [
        (TINY, &[0.0, 0.7][..]),
        (SMALL, &[0.0, 0.1, 0.25, 0.5, 0.7, 0.99, 1.0]),
        (NARROW, &[0.3][..]),
        (Limits::DEFAULT, &[0.1, 0.7, 1.0]),
    ] {
        for grouped in [false, true] {
            check(rows, grouped, Wanted::Median, limits);
            for &q in qs {
                check(rows, grouped, Wanted::Quantile { q, grouped }, limits);
            }
        }
    }
}

/// A value drawn to hit ties, NaN, nulls, zeros of both signs, infinities and extremes.
fn value(rng: &mut Pcg64Mcg) -> Option<f64> {
    Some(match rng.random_range(0..20) {
        0 => return None,
        1 => f64::NAN,
        2 => f64::INFINITY,
        3 => f64::NEG_INFINITY,
        4 => 0.0,
        5 => -0.0,
        6 => f64::MAX,
        7 => f64::MIN_POSITIVE / 4.0,
        8..=11 => rng.random_range(0..5) as f64, // ties
        _ => (rng.random::<f64>() - 0.3) * 10f64.powi(rng.random_range(-5..8)),
    })
}

fn random_rows(rng: &mut Pcg64Mcg, rows: usize, groups: i64) -> Rows {
    (0..rows)
        .map(|_| {
            let k = (rng.random_range(0..10) > 0).then(|| rng.random_range(0..groups));
            let n = (rng.random_range(0..8) > 0).then(|| rng.random_range(-50..50i64));
            (k, value(rng), n)
        })
        .collect()
}

#[test]
fn keys_order_as_the_floats() {
    let mut values =
        [f64::NEG_INFINITY, -1e300, -1.0, -f64::MIN_POSITIVE, -0.0, 0.0, 5e-324, 1.0, 1e300, f64::INFINITY];
    let keys: Vec<u64> = values.iter().map(|&v| order_key(v)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    for v in &mut values {
        assert_eq!(from_order_key(order_key(*v)).to_bits(), v.to_bits());
    }
}

#[test]
fn random_data_matches_sorting() {
    let mut rng = Pcg64Mcg::seed_from_u64(19);
    for size in [1, 2, 3, 7, 40, 300] {
        let rows = random_rows(&mut rng, size, 4);
        check_all(&rows);
    }
}

#[test]
fn many_groups_match_sorting() {
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    let rows = random_rows(&mut rng, 3000, 700);
    for limits in [TINY, NARROW, Limits::DEFAULT] {
        check(&rows, true, Wanted::Median, limits);
        check(&rows, true, Wanted::Quantile { q: 0.3, grouped: true }, limits);
    }
}

/// How `compute` went on `rows`, grouped or not, for the median with `limits`.
fn trace(rows: &Rows, grouped: bool, limits: Limits) -> Trace {
    let keys: &[&str] = if grouped { &["k"] } else { &[] };
    compute(frame(rows), keys, &["x", "n"], Wanted::Median, limits).unwrap().1
}

#[test]
fn values_that_fit_the_budget_are_read_in_one_pass() {
    let rows = random_rows(&mut Pcg64Mcg::seed_from_u64(3), 3000, 30);
    // One pass over the values (and, with keys, one over the keys for the groups).
    let limits = Limits { value_limit: 6000, ..Limits::DEFAULT };
    assert_eq!(trace(&rows, false, limits).scans, 1);
    assert_eq!(trace(&rows, true, limits).scans, 2);
}

#[test]
fn values_over_the_budget_are_narrowed_and_no_pass_holds_more() {
    let rows = random_rows(&mut Pcg64Mcg::seed_from_u64(5), 3000, 30);
    for limits in [TINY, SMALL, NARROW, Limits { value_limit: 4000, ..Limits::DEFAULT }] {
        for grouped in [false, true] {
            let trace = trace(&rows, grouped, limits);
            assert!(trace.scans >= 2 + usize::from(grouped), "{limits:?}: {trace:?}");
            assert!(trace.held <= limits.value_limit, "{limits:?}: {trace:?}");
        }
    }
}

#[test]
fn empty_input_gives_one_null_row_without_keys_and_none_with_keys() {
    check_all(&Vec::new());
    let out = median(frame(&Vec::new()), &[], &["x", "n"]).unwrap();
    assert_eq!((out.height(), out.column("x").unwrap().null_count()), (1, 1));
    let out = median(frame(&Vec::new()), &["k"], &["x"]).unwrap();
    assert_eq!(out.get_column_names(), ["k", "x"]);
    assert_eq!(out.height(), 0);
}

#[test]
fn one_row_and_groups_without_values() {
    check_all(&vec![(Some(1), Some(2.5), Some(3))]);
    // Group 2 has only nulls and NaN; the null group has no number either.
    let rows = vec![
        (Some(1), Some(1.0), Some(1)),
        (Some(2), None, None),
        (Some(2), Some(f64::NAN), None),
        (None, Some(f64::NAN), None),
    ];
    check_all(&rows);
    let out = median(frame(&rows), &["k"], &["x"]).unwrap();
    assert_eq!(out.column("x").unwrap().f64().unwrap().to_vec(), [Some(1.0), None, None]);
}

#[test]
fn a_huge_bucket_of_equal_values() {
    let mut rows: Rows = (0..5000).map(|i| (Some(i % 2), Some(3.75), Some(-2))).collect();
    rows.push((Some(0), Some(1.0), None));
    rows.push((Some(1), Some(9.0), None));
    check_all(&rows);
}

#[test]
fn zeros_and_infinities() {
    let rows: Rows = [-0.0, 0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 0.0]
        .iter()
        .enumerate()
        .map(|(i, &x)| (Some(i as i64 % 2), Some(x), None))
        .collect();
    check_all(&rows);
}

/// Values pandas 3.1.1 printed (numpy 2.4.6): `Series.quantile`, `groupby(k).quantile`,
/// `Series.median`.
#[test]
fn pandas_values() {
    let inf = f64::INFINITY;
    let one = |values: &[f64], keys: &[&str], q: Option<f64>| {
        let k = vec![1i64; values.len()];
        let frame = df!("k" => k, "v" => values).unwrap().lazy();
        let out = match q {
            Some(q) => quantile(frame, keys, &["v"], q),
            None => median(frame, keys, &["v"]),
        };
        out.unwrap().column("v").unwrap().f64().unwrap().get(0).unwrap()
    };
    let bits = |x: f64| if x.is_nan() { u64::MAX } else { x.to_bits() };
    let cases: &[(&[f64], f64, f64, f64, f64)] = &[
        // values, q, Series.quantile, groupby quantile, median
        (&[1.0, inf], 0.0, f64::NAN, 1.0, inf),
        (&[inf, inf], 0.5, f64::NAN, f64::NAN, inf),
        (&[-inf, inf], 0.5, f64::NAN, f64::NAN, f64::NAN),
        (&[1e308, 1e308], 0.5, 1e308, 1e308, inf),
        (&[1.0, 2.0, 3.0], 0.3, 1.6, 1.6, 2.0),
        (&[0.1, 0.7, 3.3], 0.7, 1.7399999999999995, 1.7399999999999995, 0.7),
        (&[1.0, inf], 0.25, inf, inf, inf),
        (&[4.0, 10.0, 1.0, f64::NAN, 20.0], 0.1, 1.9000000000000001, 1.9000000000000001, 7.0),
    ];
    for &(values, q, series, grouped, med) in cases {
        assert_eq!(bits(one(values, &[], Some(q))), bits(series), "Series.quantile({q}) of {values:?}");
        assert_eq!(bits(one(values, &["k"], Some(q))), bits(grouped), "groupby quantile({q}) of {values:?}");
        assert_eq!(bits(one(values, &[], None)), bits(med), "median of {values:?}");
        assert_eq!(bits(one(values, &["k"], None)), bits(med), "groupby median of {values:?}");
    }
}

#[test]
fn bad_input_names_the_column() {
    let rows = vec![(Some(1), Some(1.0), Some(1))];
    let text = df!("k" => [1i64], "s" => ["a"]).unwrap().lazy();
    let message = |e: QuantileError| e.to_string();
    assert_eq!(
        message(median(frame(&rows), &["k"], &["y"]).unwrap_err()),
        "no column `y` in the frame; its columns: k, x, n"
    );
    assert_eq!(
        message(median(frame(&rows), &["key"], &["x"]).unwrap_err()),
        "no column `key` in the frame; its columns: k, x, n"
    );
    assert_eq!(
        message(median(text, &["k"], &["s"]).unwrap_err()),
        "column `s` holds str, not numbers: it has no median or quantile"
    );
    assert_eq!(
        message(quantile(frame(&rows), &[], &["x"], 1.5).unwrap_err()),
        "quantile 1.5 is not between 0 and 1"
    );
    assert!(matches!(quantile(frame(&rows), &[], &["x"], f64::NAN), Err(QuantileError::Quantile { .. })));
    assert!(matches!(median(frame(&rows), &["x"], &["x"]), Err(QuantileError::Repeated { .. })));
    assert!(matches!(median(frame(&rows), &[], &["n", "n"]), Err(QuantileError::Repeated { .. })));
    assert!(matches!(median(frame(&rows), &["k"], &[]), Err(QuantileError::NoColumns)));
    let reserved = df!("__taipy_key" => [1.0]).unwrap().lazy();
    assert!(matches!(median(reserved, &[], &["__taipy_key"]), Err(QuantileError::Reserved { .. })));
}

/// A plan whose values differ at each run: every pass of the median sees other rows.
fn shifting_frame(rows: usize) -> LazyFrame {
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let x: Vec<f64> = (0..rows).map(|i| i as f64).collect();
    df!("x" => x).unwrap().lazy().select([col("x").map(
        move |c| {
            let run = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok((c.as_materialized_series() + 1000.0 * run as f64).into())
        },
        |_, field| Ok(field.clone()),
    )])
}

#[test]
fn rows_that_change_between_passes_are_an_error_not_a_panic() {
    for limits in [TINY, NARROW] {
        let error = compute(shifting_frame(300), &[], &["x"], Wanted::Median, limits).unwrap_err();
        assert!(error.to_string().contains("changed between two passes"), "{error}");
    }
}
