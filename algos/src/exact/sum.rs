//! [`ExactSum`]: the exact sum of any number of `f64`s, rounded once at the end.

/// Bits per chunk of the accumulator.
const CHUNK_BITS: u32 = 32;
const CHUNK_MASK: i64 = (1 << CHUNK_BITS) - 1;

/// Chunks of the fixed-point accumulator, in units of 2⁻¹⁰⁷⁴ (the smallest subnormal). A finite
/// `f64` is `m·2^(p−1074)` with `m < 2⁵³` and `p ≤ 2045`, so it touches bits up to 2130; the
/// chunks above that take the carries of up to 2⁶⁴ additions of `f64::MAX`.
const CHUNKS: usize = 70;

/// Each addition moves less than 2³² into a chunk, in either direction: carries are propagated
/// before 2³⁰ of them could overflow an `i64`.
const ADDS_BETWEEN_CARRIES: u32 = 1 << 30;

/// The exact sum of `f64`s: a fixed-point accumulator wide enough for every finite `f64`
/// (a "superaccumulator"), rounded to the nearest `f64` (ties to even) only when read.
///
/// Since nothing is rounded along the way, the result does not depend on the order of the
/// additions nor on how they were split between accumulators later [merged](Self::merge): it
/// is *the* correctly rounded sum. polars' and numpy's sums round after every addition and
/// combine partial sums in an order that depends on how the work was split between threads,
/// so their last bit varies from run to run; this one is a function of the multiset of values.
///
/// Specials follow IEEE: any NaN, or both infinities, give NaN; one infinity gives it. A sum
/// whose exact value lies beyond `f64::MAX` rounds to an infinity; intermediate values never
/// overflow (`MAX + MAX − MAX` is `MAX`). An exact zero is `+0.0`.
///
/// ```
/// use algos::exact::ExactSum;
///
/// let mut sum = ExactSum::new();
/// for _ in 0..10 {
///     sum.add(0.1);
/// }
/// assert_eq!(sum.value(), 1.0); // adding 0.1 ten times in a row gives 0.9999999999999999
///
/// let mut cancelling = ExactSum::new();
/// for x in [1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50] {
///     cancelling.add(x);
/// }
/// assert_eq!(cancelling.value(), 1e-100);
/// ```
#[derive(Clone, Debug)]
pub struct ExactSum {
    chunks: [i64; CHUNKS],
    adds: u32,
    nan: bool,
    positive_infinity: bool,
    negative_infinity: bool,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

impl ExactSum {
    /// An empty sum (its value is `0.0`).
    pub fn new() -> Self {
        Self { chunks: [0; CHUNKS], adds: 0, nan: false, positive_infinity: false, negative_infinity: false }
    }

    /// Adds `x`, exactly.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let negative = bits >> 63 != 0;
        let exponent = ((bits >> 52) & 0x7ff) as u32;
        let fraction = bits & ((1 << 52) - 1);
        if exponent == 0x7ff {
            match (fraction != 0, negative) {
                (true, _) => self.nan = true,
                (false, false) => self.positive_infinity = true,
                (false, true) => self.negative_infinity = true,
            }
            return;
        }
        // x = mantissa · 2^(position − 1074); subnormals have no implicit bit.
        let (mantissa, position) =
            if exponent == 0 { (fraction, 0) } else { (fraction | 1 << 52, exponent - 1) };
        if mantissa == 0 {
            return;
        }
        let chunk = (position / CHUNK_BITS) as usize;
        let wide = u128::from(mantissa) << (position % CHUNK_BITS); // < 2⁸⁵: three chunks
        let parts = [wide as i64 & CHUNK_MASK, (wide >> 32) as i64 & CHUNK_MASK, (wide >> 64) as i64];
        let target = &mut self.chunks[chunk..chunk + 3];
        if negative {
            target.iter_mut().zip(parts).for_each(|(c, p)| *c -= p);
        } else {
            target.iter_mut().zip(parts).for_each(|(c, p)| *c += p);
        }
        self.adds += 1;
        if self.adds == ADDS_BETWEEN_CARRIES {
            self.carry();
        }
    }

    /// Adds every value of `other`, exactly: summing parts separately and merging them gives
    /// the same result as one accumulator over all values.
    pub fn merge(&mut self, other: &ExactSum) {
        let mut other = other.clone();
        other.carry();
        self.carry();
        // Both normalized: every chunk below the top is under 2³², so no sum overflows.
        self.chunks.iter_mut().zip(other.chunks).for_each(|(c, o)| *c += o);
        self.nan |= other.nan;
        self.positive_infinity |= other.positive_infinity;
        self.negative_infinity |= other.negative_infinity;
        self.carry();
    }

    /// The sum, rounded to the nearest `f64` (ties to even).
    pub fn value(&self) -> f64 {
        if self.nan || (self.positive_infinity && self.negative_infinity) {
            return f64::NAN;
        }
        if self.positive_infinity {
            return f64::INFINITY;
        }
        if self.negative_infinity {
            return f64::NEG_INFINITY;
        }
        let mut chunks = self.chunks;
        normalize(&mut chunks);
        let negative = chunks[CHUNKS - 1] < 0;
        if negative {
            chunks.iter_mut().for_each(|c| *c = -*c);
            normalize(&mut chunks);
        }
        let magnitude = round_to_f64(&chunks);
        if negative { -magnitude } else { magnitude }
    }

    /// Propagates carries, so that every chunk but the top one is in `[0, 2³²)`.
    fn carry(&mut self) {
        normalize(&mut self.chunks);
        self.adds = 0;
    }
}

/// Moves each chunk's bits above the 32 low ones into the next chunk (floor division, so a
/// negative chunk borrows): the value is unchanged, every chunk but the top is in `[0, 2³²)`,
/// and the top chunk carries the sign.
fn normalize(chunks: &mut [i64; CHUNKS]) {
    for i in 0..CHUNKS - 1 {
        let carry = chunks[i] >> CHUNK_BITS;
        chunks[i] &= CHUNK_MASK;
        chunks[i + 1] += carry;
    }
}

/// The nearest `f64` to a non-negative normalized accumulator (ties to even).
fn round_to_f64(chunks: &[i64; CHUNKS]) -> f64 {
    let Some(top) = chunks.iter().rposition(|&c| c != 0) else {
        return 0.0;
    };
    let chunk = |i: usize| chunks[i] as u64; // all in [0, 2³²) here
    // The highest set bit, counted from 2⁻¹⁰⁷⁴.
    let high = top as u32 * CHUNK_BITS + (63 - chunk(top).leading_zeros());
    if high < 53 {
        // Fewer than 54 significant bits: exact (a subnormal, or the smallest normals).
        let units = chunk(0) | if top > 0 { chunk(1) << 32 } else { 0 };
        return units as f64 * f64::from_bits(1);
    }
    // The three highest chunks hold at least 64 bits below the highest one: the 53 kept, the
    // rounding bit and more; any set bit further down only makes the rest "more than half".
    let below = |i: usize| if top >= i { chunk(top - i) } else { 0 };
    let window = u128::from(chunk(top)) << 64 | u128::from(below(1)) << 32 | u128::from(below(2));
    let sticky = top >= 3 && chunks[..top - 2].iter().any(|&c| c != 0);
    // The window's highest bit is bit `high − 32·top + 64` of it; keep 53 bits from there.
    let dropped = high - top as u32 * CHUNK_BITS + 12;
    let mut mantissa = (window >> dropped) as u64;
    let rest = window & ((1u128 << dropped) - 1);
    let half = 1u128 << (dropped - 1);
    let round_up = rest > half || (rest == half && (sticky || mantissa & 1 == 1));
    let mut high = high;
    if round_up {
        mantissa += 1;
        if mantissa == 1 << 53 {
            mantissa >>= 1;
            high += 1;
        }
    }
    // mantissa · 2^(high − 52 − 1074), mantissa in [2⁵², 2⁵³): biased exponent high − 51.
    let exponent = u64::from(high) - 51;
    if exponent >= 0x7ff {
        return f64::INFINITY;
    }
    f64::from_bits(exponent << 52 | (mantissa & ((1 << 52) - 1)))
}

#[cfg(test)]
mod tests {
    use rand::seq::SliceRandom;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    use super::*;

    fn sum(values: &[f64]) -> f64 {
        let mut sum = ExactSum::new();
        values.iter().for_each(|&x| sum.add(x));
        sum.value()
    }

    #[test]
    fn rounds_once_to_the_nearest() {
        assert_eq!(sum(&[0.1; 10]), 1.0);
        assert_eq!(sum(&[1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50]), 1e-100);
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[3.5]), 3.5);
        assert_eq!(sum(&[-3.5, 1.25]), -2.25);
        assert_eq!(sum(&[1.0, -1.0]).to_bits(), 0.0f64.to_bits(), "an exact zero is +0");
    }

    #[test]
    fn ties_go_to_even_and_anything_below_breaks_them() {
        let big = 2f64.powi(53);
        // 2⁵³ + 1 is halfway between 2⁵³ and 2⁵³ + 2: to even.
        assert_eq!(sum(&[big, 1.0]), big);
        assert_eq!(sum(&[big, 3.0]), big + 4.0);
        // A bit far below makes it more than half.
        assert_eq!(sum(&[big, 1.0, 2f64.powi(-60)]), big + 2.0);
        assert_eq!(sum(&[big, 1.0, -(2f64.powi(-60))]), big);
        // Rounded once, not at each step: left to right, 2⁵³ + 1 + 1 would give 2⁵³.
        assert_eq!(sum(&[big, 1.0, 1.0]), big + 2.0);
        // Rounding up past the mantissa's width.
        let below = f64::from_bits(0x434f_ffff_ffff_ffff); // 2⁵⁴ − 2, an odd mantissa
        assert_eq!(sum(&[below, 1.0]), 2f64.powi(54));
    }

    #[test]
    fn subnormals_and_the_extremes_are_exact() {
        let tiny = f64::from_bits(1);
        assert_eq!(sum(&[tiny, tiny]), 2.0 * tiny);
        assert_eq!(sum(&[f64::MIN_POSITIVE, -tiny]), f64::MIN_POSITIVE - tiny);
        assert_eq!(sum(&[f64::MIN_POSITIVE, tiny, 1.0, -1.0]), f64::MIN_POSITIVE + tiny);
        assert_eq!(sum(&[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX, "no intermediate overflow");
        assert_eq!(sum(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(sum(&[-f64::MAX, -f64::MAX]), f64::NEG_INFINITY);
        assert_eq!(sum(&[f64::MAX, 1.0]), f64::MAX);
    }

    #[test]
    fn specials_follow_ieee() {
        assert!(sum(&[1.0, f64::NAN]).is_nan());
        assert!(sum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert_eq!(sum(&[f64::INFINITY, -1e308, -1e308]), f64::INFINITY);
        assert_eq!(sum(&[f64::NEG_INFINITY, 5.0]), f64::NEG_INFINITY);
    }

    /// Random values `k·2⁻³⁰` with |k| < 2⁶⁰: their exact sum is the `i128` sum of the `k`,
    /// which Rust converts to the nearest `f64`.
    #[test]
    fn agrees_with_an_integer_reference_whatever_the_order_and_the_split() {
        let mut rng = Pcg64Mcg::seed_from_u64(14);
        let scale = 2f64.powi(-30);
        for round in 0..200 {
            let len = rng.random_range(1..400);
            let bits: u32 = rng.random_range(1..60);
            let ints: Vec<i64> =
                (0..len).map(|_| rng.random_range(-(1i64 << bits)..(1i64 << bits))).collect();
            // Each k·2⁻³⁰ is exact: |k| < 2⁶⁰ needs at most 60 bits, but a `f64` keeps 53, so
            // keep the values' low bits clear where they would not fit.
            let clear = bits.saturating_sub(53);
            let ints: Vec<i64> = ints.iter().map(|&k| k >> clear << clear).collect();
            let mut values: Vec<f64> = ints.iter().map(|&k| k as f64 * scale).collect();
            assert!(values.iter().zip(&ints).all(|(&v, &k)| (v / scale) as i64 == k));
            let expected = ints.iter().map(|&k| i128::from(k)).sum::<i128>() as f64 * scale;
            assert_eq!(sum(&values), expected, "round {round}");
            values.shuffle(&mut rng);
            assert_eq!(sum(&values), expected, "round {round}, shuffled");
            let split = rng.random_range(0..=values.len());
            let (mut left, mut right) = (ExactSum::new(), ExactSum::new());
            values[..split].iter().for_each(|&x| left.add(x));
            values[split..].iter().for_each(|&x| right.add(x));
            right.merge(&left);
            assert_eq!(right.value(), expected, "round {round}, merged at {split}");
        }
    }

    #[test]
    fn values_of_every_magnitude_sum_to_the_same_bits_in_any_order() {
        let mut rng = Pcg64Mcg::seed_from_u64(41);
        for _ in 0..50 {
            let mut values: Vec<f64> = (0..300)
                .map(|_| {
                    let bits: u64 = rng.random();
                    let x = f64::from_bits(bits);
                    if x.is_finite() { x } else { 0.0 }
                })
                .collect();
            let expected = sum(&values);
            for _ in 0..5 {
                values.shuffle(&mut rng);
                assert_eq!(sum(&values).to_bits(), expected.to_bits());
            }
            // Adding a value and its opposite changes nothing.
            let mut more = values.clone();
            more.extend(values.iter().take(7).map(|x| -x));
            more.extend(values.iter().take(7));
            assert_eq!(sum(&more).to_bits(), expected.to_bits());
        }
    }

    #[test]
    fn many_additions_carry_without_overflowing() {
        let mut sum = ExactSum::new();
        sum.adds = ADDS_BETWEEN_CARRIES - 3;
        let quarter = 2f64.powi(1022); // a quarter of 2¹⁰²⁴, past f64::MAX
        for _ in 0..10 {
            sum.add(quarter);
        }
        assert_eq!(sum.value(), f64::INFINITY);
        for _ in 0..7 {
            sum.add(-quarter);
        }
        assert_eq!(sum.value(), 3.0 * quarter);
    }
}
