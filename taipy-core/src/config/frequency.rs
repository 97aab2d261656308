//! How often a scenario config's cycles start, and the calendar behind it: the period (day,
//! week, month, quarter, year) containing a date. Periods are computed in UTC; weeks start on
//! Monday. Cycles themselves (stored, with their scenarios) are in `cycle.rs`.

use serde::{Deserialize, Serialize};

/// Microseconds in a day.
pub(crate) const DAY_US: u64 = 86_400_000_000;

/// How often a new cycle starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Frequency {
    /// Every day (UTC).
    Daily,
    /// Every week, from Monday.
    Weekly,
    /// Every calendar month.
    Monthly,
    /// Every calendar quarter (January, April, July, October).
    Quarterly,
    /// Every calendar year.
    Yearly,
}

impl Frequency {
    /// Taipy's name: `DAILY`, `WEEKLY`, `MONTHLY`, `QUARTERLY`, `YEARLY`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Quarterly => "QUARTERLY",
            Self::Yearly => "YEARLY",
        }
    }

    /// Parses Taipy's name, in any case.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        [Self::Daily, Self::Weekly, Self::Monthly, Self::Quarterly, Self::Yearly]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
    }

    /// The period containing `time_us` (µs since the Unix epoch): its first and its end
    /// (exclusive) microsecond.
    pub(crate) fn period(self, time_us: u64) -> (u64, u64) {
        let day = (time_us / DAY_US) as i64;
        let (y, m, _) = civil_from_days(day);
        let (start, end) = match self {
            Frequency::Daily => (day, day + 1),
            Frequency::Weekly => {
                let monday = day - (day + 3).rem_euclid(7);
                (monday, monday + 7)
            }
            Frequency::Monthly => (days_from_civil(y, m, 1), next_month(y, m, 1)),
            Frequency::Quarterly => {
                let first = (m - 1) / 3 * 3 + 1;
                (days_from_civil(y, first, 1), next_month(y, first, 3))
            }
            Frequency::Yearly => (days_from_civil(y, 1, 1), days_from_civil(y + 1, 1, 1)),
        };
        (start as u64 * DAY_US, end as u64 * DAY_US)
    }

    /// The first day of the period starting on `start_us`, as `2026-11-23`.
    pub(crate) fn period_day(self, start_us: u64) -> String {
        let (y, m, d) = civil_from_days((start_us / DAY_US) as i64);
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// A readable name of the period starting on `start_us`: `2026-11-25`, `week of 2026-11-23`,
    /// `2026-11`, `2026-Q4`, `2026`.
    pub(crate) fn period_name(self, start_us: u64) -> String {
        let (y, m, d) = civil_from_days((start_us / DAY_US) as i64);
        match self {
            Frequency::Daily => format!("{y:04}-{m:02}-{d:02}"),
            Frequency::Weekly => format!("week of {y:04}-{m:02}-{d:02}"),
            Frequency::Monthly => format!("{y:04}-{m:02}"),
            Frequency::Quarterly => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            Frequency::Yearly => format!("{y:04}"),
        }
    }
}

fn next_month(y: i64, m: i64, months: i64) -> i64 {
    let index = y * 12 + (m - 1) + months;
    days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(y: i64, m: i64, d: i64, hour: u64) -> u64 {
        days_from_civil(y, m, d) as u64 * DAY_US + hour * 3_600_000_000
    }

    fn name(f: Frequency, y: i64, m: i64, d: i64) -> (String, String) {
        let (start, end) = f.period(us(y, m, d, 13));
        (f.period_name(start), f.period_name(end))
    }

    #[test]
    fn dates_round_trip() {
        for day in [-800_000, -1, 0, 1, 59, 365, 11_016, 20_417, 2_000_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn periods_contain_the_date_and_end_where_the_next_starts() {
        use Frequency::*;
        assert_eq!(name(Daily, 2026, 11, 25), ("2026-11-25".into(), "2026-11-26".into()));
        // 2026-11-25 is a Wednesday.
        assert_eq!(name(Weekly, 2026, 11, 25), ("week of 2026-11-23".into(), "week of 2026-11-30".into()));
        assert_eq!(name(Weekly, 2026, 11, 23).0, "week of 2026-11-23");
        assert_eq!(name(Weekly, 2026, 11, 22).0, "week of 2026-11-16");
        assert_eq!(name(Monthly, 2026, 12, 31), ("2026-12".into(), "2027-01".into()));
        assert_eq!(name(Quarterly, 2026, 11, 25), ("2026-Q4".into(), "2027-Q1".into()));
        assert_eq!(name(Quarterly, 2026, 4, 1).0, "2026-Q2");
        assert_eq!(name(Yearly, 2024, 2, 29), ("2024".into(), "2025".into()));
        for f in [Daily, Weekly, Monthly, Quarterly, Yearly] {
            let t = us(2026, 3, 31, 23);
            let (start, end) = f.period(t);
            assert!(start <= t && t < end, "{f:?}");
        }
    }
}
