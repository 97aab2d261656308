//! How frame artifacts are compressed: a store option ([`StoreOptions::frame_compression`]),
//! handed to values through their [`StoreCx`](super::StoreCx).
//!
//! [`StoreOptions::frame_compression`]: crate::StoreOptions::frame_compression

use std::fmt;
use std::str::FromStr;

/// The compression of the Parquet artifacts that `DataFrame` and `LazyFrame` values are stored
/// as (feature `polars`). Readers read every codec (Parquet records it per column chunk), so a
/// store may hold artifacts of several codecs; the option only decides how new ones are written.
///
/// A different codec gives different bytes, so a different content hash: see the `frames`
/// module documentation for what that means for skipping.
///
/// Written and parsed as `uncompressed`, `lz4`, `zstd` (level 3) or `zstd:LEVEL`:
///
/// ```
/// use taipy_core::FrameCompression;
///
/// assert_eq!("zstd:7".parse::<FrameCompression>(), Ok(FrameCompression::Zstd(7)));
/// assert_eq!("lz4".parse::<FrameCompression>(), Ok(FrameCompression::Lz4));
/// assert_eq!(FrameCompression::Zstd(3).to_string(), "zstd:3");
/// assert!("zstd:0".parse::<FrameCompression>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FrameCompression {
    /// No compression (the default): the fastest to write and to read, the largest on disk.
    #[default]
    Uncompressed,
    /// LZ4 (Parquet's `LZ4_RAW`): on the 5M-row walkthrough, a 20% smaller store for submits
    /// up to 28% slower.
    Lz4,
    /// Zstandard at a level from [`ZSTD_LEVELS`](Self::ZSTD_LEVELS) (`zstd` alone: level 3,
    /// polars' own default): on the 5M-row walkthrough, a 40% smaller store at level 3 for
    /// submits 1.3–2.1× slower.
    Zstd(i32),
}

impl FrameCompression {
    /// The Zstandard levels accepted: 1 to 22.
    pub const ZSTD_LEVELS: std::ops::RangeInclusive<i32> = 1..=22;

    /// The Zstandard level used by `zstd` without a level: 3, as polars and the zstd tool do.
    pub const ZSTD_DEFAULT_LEVEL: i32 = 3;

    /// Checks the codec's parameters: a Zstandard level within [`ZSTD_LEVELS`](Self::ZSTD_LEVELS).
    pub fn check(&self) -> Result<(), String> {
        match self {
            Self::Zstd(level) if !Self::ZSTD_LEVELS.contains(level) => Err(format!(
                "zstd level {level} is out of range ({} to {})",
                Self::ZSTD_LEVELS.start(),
                Self::ZSTD_LEVELS.end()
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for FrameCompression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uncompressed => f.write_str("uncompressed"),
            Self::Lz4 => f.write_str("lz4"),
            Self::Zstd(level) => write!(f, "zstd:{level}"),
        }
    }
}

impl FromStr for FrameCompression {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parsed = match text.trim().to_ascii_lowercase().as_str() {
            "uncompressed" | "none" => Self::Uncompressed,
            "lz4" => Self::Lz4,
            "zstd" => Self::Zstd(Self::ZSTD_DEFAULT_LEVEL),
            other => match other.strip_prefix("zstd:").map(str::parse::<i32>) {
                Some(Ok(level)) => Self::Zstd(level),
                _ => {
                    return Err(format!(
                        "unknown frame compression `{text}`: uncompressed, lz4, zstd or zstd:LEVEL"
                    ));
                }
            },
        };
        parsed.check()?;
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_round_trips_through_its_text() {
        for codec in [FrameCompression::Uncompressed, FrameCompression::Lz4, FrameCompression::Zstd(1)] {
            assert_eq!(codec.to_string().parse::<FrameCompression>(), Ok(codec));
        }
        assert_eq!(" ZSTD ".parse::<FrameCompression>(), Ok(FrameCompression::Zstd(3)));
        assert_eq!("none".parse::<FrameCompression>(), Ok(FrameCompression::Uncompressed));
    }

    #[test]
    fn bad_names_and_levels_are_refused_with_the_choices() {
        for bad in ["gzip", "zstd:", "zstd:x", "zstd:23", "zstd:-1", "lz4:3"] {
            let err = bad.parse::<FrameCompression>().unwrap_err();
            assert!(err.contains("uncompressed, lz4") || err.contains("1 to 22"), "{bad}: {err}");
        }
        assert!(FrameCompression::Zstd(22).check().is_ok());
        assert!(FrameCompression::Zstd(0).check().is_err());
    }
}
