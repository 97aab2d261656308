//! The tutorial's text parameters as enums: which aggregate task 3 and task 4 compute.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A text parameter that is not one of the accepted names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{given}`; expected one of: {}", expected.join(", "))]
pub struct ParseParamError {
    kind: &'static str,
    given: String,
    expected: &'static [&'static str],
}

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($kind:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name pandas uses for this aggregate, e.g. `"mean"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseParamError;

            /// Parses a name as pandas spells it (`"mean"`); case and surrounding spaces are
            /// ignored.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(wanted)).ok_or_else(|| {
                    ParseParamError { kind: $kind, given: s.to_owned(), expected: &[$($text),+] }
                })
            }
        }

        taipy::serde_value!($name);
    };
}

text_enum! {
    /// The aggregate of task 3 (`segment_analysis`).
    Metric("metric") {
        /// The arithmetic mean.
        Mean = "mean",
        /// The median; for an even count, the mean of the two middle values (as pandas).
        Median = "median",
    }
}

text_enum! {
    /// The statistic of task 4 (`high_value_cust_summary_statistics`).
    Statistic("summary statistic") {
        /// The arithmetic mean.
        Mean = "mean",
        /// The median; for an even count, the mean of the two middle values (as pandas).
        Median = "median",
        /// The largest value.
        Max = "max",
        /// The smallest value.
        Min = "min",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(m.to_string().parse::<Metric>().unwrap(), *m);
        }
        for s in Statistic::ALL {
            assert_eq!(s.to_string().parse::<Statistic>().unwrap(), *s);
        }
        assert_eq!(" Median ".parse::<Metric>().unwrap(), Metric::Median);
        assert_eq!("MAX".parse::<Statistic>().unwrap(), Statistic::Max);
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let err = "average".parse::<Metric>().unwrap_err();
        assert_eq!(err.to_string(), "unknown metric `average`; expected one of: mean, median");
        let err = "max".parse::<Metric>().unwrap_err();
        assert!(err.to_string().contains("mean, median"), "{err}");
        let err = "sum".parse::<Statistic>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown summary statistic `sum`; expected one of: mean, median, max, min"
        );
    }

    #[test]
    fn serde_uses_the_pandas_names() {
        assert_eq!(serde_json::to_string(&Statistic::Max).unwrap(), "\"max\"");
        assert_eq!(serde_json::from_str::<Metric>("\"median\"").unwrap(), Metric::Median);
    }
}
