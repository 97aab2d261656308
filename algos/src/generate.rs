//! A deterministic, seeded generator of synthetic customers, streamed row by row.
//!
//! The schema and distributions of the tutorial's reference data:
//! - `NumberOfPurchases` = 1 + negative binomial with mean 11 and dispersion 1.5 (drawn as a
//!   gamma–Poisson mixture), so the mean is ≈ 12;
//! - `TotalPurchaseAmount` = purchases × a log-normal order value (median 45, σ = 0.7 of the
//!   log), rounded to cents;
//! - `AverageReviewScore` = 5 − 4·Beta(1.6, 4), rounded to 2 decimals;
//! - `TotalPurchaseTime` = Gamma(shape = purchases, scale = 30 days), rounded to whole days.
//!
//! A chosen fraction of customers can be given zero purchases (amount 0, time 0), the case
//! that makes `AverageTimeBetweenPurchases` NaN. The random generator is PCG-64 (MCG variant),
//! whose output is fixed by its specification, so a seed gives the same file on every machine
//! and every version of this crate that keeps these distributions.

use std::io::{self, Write};

use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Poisson};
use rand_pcg::Pcg64Mcg;

use crate::columns::{
    AVERAGE_REVIEW_SCORE, CUSTOMER_ID, NUMBER_OF_PURCHASES, TOTAL_PURCHASE_AMOUNT, TOTAL_PURCHASE_TIME,
};

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorOptions {
    /// How many customers.
    pub rows: u64,
    /// The seed: equal options give equal files.
    pub seed: u64,
    /// The fraction of customers, in `[0, 1]`, with zero purchases.
    pub zero_purchase_fraction: f64,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        Self { rows: 2_000, seed: 42, zero_purchase_fraction: 0.0 }
    }
}

/// Options the generator cannot work with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeneratorError {
    /// The zero-purchase fraction is not a number in `[0, 1]`.
    #[error("the zero-purchase fraction must be between 0 and 1, not {0}")]
    Fraction(f64),
}

/// One generated customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Customer {
    /// 1, 2, 3 ...
    pub id: u64,
    /// Total spend, in cents precision.
    pub total_purchase_amount: f64,
    /// Number of purchases (0 only for the zero-purchase fraction).
    pub number_of_purchases: u64,
    /// Average review score between 1 and 5.
    pub average_review_score: f64,
    /// Total purchase time in days.
    pub total_purchase_time: u64,
}

/// An endless, deterministic stream of customers; see the module documentation.
pub struct CustomerGenerator {
    rng: Pcg64Mcg,
    zero_purchase_fraction: f64,
    purchase_rate: Gamma<f64>,
    order_value: LogNormal<f64>,
    review: Beta<f64>,
    next_id: u64,
}

/// Mean of `NumberOfPurchases − 1`.
const EXTRA_PURCHASES_MEAN: f64 = 11.0;
/// Negative-binomial dispersion: variance = mean + mean² / dispersion.
const DISPERSION: f64 = 1.5;
/// Median order value.
const ORDER_VALUE_MEDIAN: f64 = 45.0;
/// Standard deviation of the log of the order value.
const ORDER_VALUE_SIGMA: f64 = 0.7;
/// Mean days between purchases.
const DAYS_PER_PURCHASE: f64 = 30.0;

impl CustomerGenerator {
    /// A generator for `options` (its `rows` is not used: the stream is endless).
    pub fn new(options: &GeneratorOptions) -> Result<Self, GeneratorError> {
        let fraction = options.zero_purchase_fraction;
        if !(0.0..=1.0).contains(&fraction) {
            return Err(GeneratorError::Fraction(fraction));
        }
        let valid = "constant distribution parameters are valid";
        Ok(Self {
            rng: Pcg64Mcg::seed_from_u64(options.seed),
            zero_purchase_fraction: fraction,
            purchase_rate: Gamma::new(DISPERSION, EXTRA_PURCHASES_MEAN / DISPERSION).expect(valid),
            order_value: LogNormal::new(ORDER_VALUE_MEDIAN.ln(), ORDER_VALUE_SIGMA).expect(valid),
            review: Beta::new(1.6, 4.0).expect(valid),
            next_id: 1,
        })
    }

    /// The next customer.
    pub fn next_customer(&mut self) -> Customer {
        let id = self.next_id;
        self.next_id += 1;
        // Draw every variable for every row, so the zero-purchase fraction changes only the
        // rows it selects.
        let zero = self.rng.random::<f64>() < self.zero_purchase_fraction;
        let rate = self.purchase_rate.sample(&mut self.rng);
        let extra = match Poisson::new(rate) {
            Ok(poisson) => poisson.sample(&mut self.rng) as u64,
            Err(_) => 0, // a rate too close to 0 for the sampler: no extra purchase
        };
        let order_value = self.order_value.sample(&mut self.rng);
        let review = 5.0 - 4.0 * self.review.sample(&mut self.rng);
        let purchases = if zero { 0 } else { 1 + extra };
        let time = match Gamma::new(purchases as f64, DAYS_PER_PURCHASE) {
            Ok(gamma) if purchases > 0 => gamma.sample(&mut self.rng).round() as u64,
            _ => 0,
        };
        Customer {
            id,
            total_purchase_amount: round_to(purchases as f64 * order_value, 100.0),
            number_of_purchases: purchases,
            average_review_score: round_to(review, 100.0),
            total_purchase_time: time,
        }
    }
}

impl Iterator for CustomerGenerator {
    type Item = Customer;

    fn next(&mut self) -> Option<Customer> {
        Some(self.next_customer())
    }
}

/// Writes `options.rows` customers as CSV (with a header) to `out`, one row at a time; returns
/// the number of rows written. Memory use does not depend on the row count.
pub fn write_customers_csv<W: Write>(out: W, options: &GeneratorOptions) -> io::Result<u64> {
    let generator =
        CustomerGenerator::new(options).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    writeln!(
        out,
        "{CUSTOMER_ID},{TOTAL_PURCHASE_AMOUNT},{NUMBER_OF_PURCHASES},{AVERAGE_REVIEW_SCORE},{TOTAL_PURCHASE_TIME}"
    )?;
    for c in generator.take(usize::try_from(options.rows).unwrap_or(usize::MAX)) {
        writeln!(
            out,
            "{},{},{},{},{}",
            c.id,
            c.total_purchase_amount,
            c.number_of_purchases,
            c.average_review_score,
            c.total_purchase_time
        )?;
    }
    out.flush()?;
    Ok(options.rows)
}

/// `x` rounded to `1/scale` (e.g. cents for 100), printed by Rust's shortest round-trip format
/// as at most two decimals.
fn round_to(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(options: &GeneratorOptions) -> String {
        let mut bytes = Vec::new();
        write_customers_csv(&mut bytes, options).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_seed_gives_the_same_rows() {
        let options = GeneratorOptions { rows: 500, ..Default::default() };
        assert_eq!(csv(&options), csv(&options));
        let other = GeneratorOptions { seed: 7, ..options.clone() };
        assert_ne!(csv(&options), csv(&other));
        assert_eq!(csv(&options).lines().count(), 501);
    }

    #[test]
    fn the_distributions_match_the_reference_data() {
        let rows: Vec<Customer> =
            CustomerGenerator::new(&GeneratorOptions::default()).unwrap().take(50_000).collect();
        let n = rows.len() as f64;
        let mean_purchases = rows.iter().map(|c| c.number_of_purchases as f64).sum::<f64>() / n;
        assert!((11.0..13.0).contains(&mean_purchases), "{mean_purchases}");
        let big_spenders = rows.iter().filter(|c| c.total_purchase_amount > 1000.0).count() as f64 / n;
        assert!((0.15..0.25).contains(&big_spenders), "{big_spenders}");
        assert!(rows.iter().all(|c| c.number_of_purchases >= 1));
        assert!(rows.iter().all(|c| (1.0..=5.0).contains(&c.average_review_score)));
        let days = rows.iter().map(|c| c.total_purchase_time as f64).sum::<f64>()
            / rows.iter().map(|c| c.number_of_purchases as f64).sum::<f64>();
        assert!((28.0..32.0).contains(&days), "{days}");
    }

    #[test]
    fn a_fraction_of_customers_buys_nothing() {
        let options = GeneratorOptions { zero_purchase_fraction: 0.1, ..Default::default() };
        let rows: Vec<Customer> = CustomerGenerator::new(&options).unwrap().take(20_000).collect();
        let zero: Vec<_> = rows.iter().filter(|c| c.number_of_purchases == 0).collect();
        let share = zero.len() as f64 / rows.len() as f64;
        assert!((0.08..0.12).contains(&share), "{share}");
        assert!(zero.iter().all(|c| c.total_purchase_amount == 0.0 && c.total_purchase_time == 0));
    }

    #[test]
    fn the_committed_sample_is_the_default_output() {
        // `data/customers.csv` at the workspace root: regenerate it with
        // `cargo run --features polars --example generate_customers` (the defaults).
        let sample = include_str!("../../data/customers.csv");
        assert_eq!(sample, csv(&GeneratorOptions::default()));
    }

    #[test]
    fn a_bad_fraction_is_refused() {
        let options = GeneratorOptions { zero_purchase_fraction: 1.5, ..Default::default() };
        assert_eq!(CustomerGenerator::new(&options).err(), Some(GeneratorError::Fraction(1.5)));
        assert!(
            CustomerGenerator::new(&GeneratorOptions { zero_purchase_fraction: f64::NAN, ..options })
                .is_err()
        );
    }
}
