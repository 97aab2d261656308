//! The TOML form of serde values: how [`serde_value!`](crate::serde_value) types implement
//! [`DataValue::from_toml`](crate::DataValue::from_toml) and
//! [`DataValue::to_toml`](crate::DataValue::to_toml). Re-exported as `taipy::toml::from_toml`
//! and `taipy::toml::to_toml`; values know no config file format beyond these conversions.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads a serde type from a TOML value.
///
/// Numbers convert as serde allows (an integer `"1000:int"` reads as an `f64`). A string that
/// does not deserialize is tried again as `UpperCamelCase` and as lowercase, so Taipy's
/// `"mean"` reads as `Metric::Mean` without `#[serde(rename_all = "lowercase")]`. The error of
/// the first attempt is returned.
pub fn from_toml<T: DeserializeOwned>(value: &::toml::Value) -> Result<T, String> {
    let first = match T::deserialize(value.clone()) {
        Ok(v) => return Ok(v),
        Err(e) => e.message().trim().to_owned(),
    };
    if let ::toml::Value::String(text) = value {
        for retry in [upper_camel(text), text.to_lowercase()] {
            if retry != *text
                && let Ok(v) = T::deserialize(::toml::Value::String(retry))
            {
                return Ok(v);
            }
        }
    }
    Err(first)
}

/// Writes a serde type as a TOML value; `None` when TOML cannot represent it (a `None`, a map
/// with non-string keys).
pub fn to_toml<T: Serialize + ?Sized>(value: &T) -> Option<::toml::Value> {
    ::toml::Value::try_from(value).ok()
}

/// `high_value` and `high-value` → `HighValue`; `mean` → `Mean`.
fn upper_camel(text: &str) -> String {
    text.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Metric {
        Mean,
        HighValue,
    }

    #[test]
    fn enums_read_from_taipy_spellings() {
        assert_eq!(from_toml::<Metric>(&"mean".into()), Ok(Metric::Mean));
        assert_eq!(from_toml::<Metric>(&"high_value".into()), Ok(Metric::HighValue));
        let err = from_toml::<Metric>(&"meen".into()).unwrap_err();
        assert!(err.contains("unknown variant `meen`"), "{err}");
    }

    #[test]
    fn numbers_widen_and_values_round_trip() {
        assert_eq!(from_toml::<f64>(&::toml::Value::Integer(1000)), Ok(1000.0));
        assert!(from_toml::<i64>(&::toml::Value::Float(1.5)).is_err());
        assert_eq!(to_toml(&Metric::Mean), Some("Mean".into()));
        let d = std::time::Duration::new(5, 7);
        assert_eq!(from_toml::<std::time::Duration>(&to_toml(&d).unwrap()), Ok(d));
        assert_eq!(to_toml(&None::<i64>), None);
    }
}
