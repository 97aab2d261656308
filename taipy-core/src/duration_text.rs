//! Durations as people write them: `500ms`, `30s`, `1.5s`, `2m`, `1h` (also `us`).
//!
//! The one rule for the TOML key `timeout` and `#[task(timeout = "30s")]`: the macro crate
//! compiles this same file (`#[path]`), since a proc-macro crate cannot depend on the runtime.
//! Only `std` here.

use std::time::Duration;

/// Reads a duration written as a number and a unit. Zero is refused: it is a timeout.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit.trim() {
        "us" | "µs" => 0.000_001,
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "" => {
            return Err(format!("`{text}` has no unit; write it like \"30s\", \"500ms\", \"2m\" or \"1h\""));
        }
        other => return Err(format!("unknown unit `{other}` in `{text}`; use ms, s, m or h, as in \"30s\"")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a number and a unit such as \"30s\" or \"1.5s\""))?;
    match Duration::try_from_secs_f64(value * seconds_per_unit) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("a timeout must be longer than zero".to_owned()),
        Err(_) => Err(format!("`{text}` is too long a duration")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("20us"), Ok(Duration::from_micros(20)));
        assert_eq!(parse_duration(" 2m "), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("30 sec").unwrap_err().contains("unknown unit `sec`"));
        assert!(parse_duration("s").unwrap_err().contains("not a number"));
        assert!(parse_duration("0s").unwrap_err().contains("longer than zero"));
    }
}
