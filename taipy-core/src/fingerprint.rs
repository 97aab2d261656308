//! Content fingerprints: blake3 digests with domain separation and length-prefixed fields.
//!
//! Every hash taipy-rs computes goes through [`FingerprintBuilder`], so two different sequences
//! of fields can never produce the same byte stream ("1" + "23" and "12" + "3" differ because
//! each field is preceded by its length), and two different purposes (a memo key, a serde value,
//! an artifact) never share a hash space (each starts from its own blake3 derive-key context).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A 32-byte blake3 digest identifying content: a value, an artifact file, a task's code or a
/// memo key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Hashes one byte string in the given domain.
    pub fn of_bytes(domain: &str, bytes: &[u8]) -> Self {
        let mut builder = FingerprintBuilder::new(domain);
        builder.field(bytes);
        builder.finish()
    }

    /// The full digest as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }

    /// The first 12 hex digits: enough to tell versions apart in logs and messages.
    pub fn short(&self) -> String {
        self.to_hex()[..12].to_owned()
    }

    /// Parses 64 hex digits back into a fingerprint.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.short())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

/// Builds a [`Fingerprint`] from a sequence of length-prefixed fields within one domain.
///
/// ```
/// use taipy_core::FingerprintBuilder;
/// let mut a = FingerprintBuilder::new("example");
/// a.field(b"1").field(b"23");
/// let mut b = FingerprintBuilder::new("example");
/// b.field(b"12").field(b"3");
/// assert_ne!(a.finish(), b.finish());
/// ```
#[derive(Clone)]
pub struct FingerprintBuilder {
    hasher: blake3::Hasher,
}

impl FingerprintBuilder {
    /// Starts a fingerprint in `domain` (for example `"taipy.memo.v1"`).
    pub fn new(domain: &str) -> Self {
        Self { hasher: blake3::Hasher::new_derive_key(domain) }
    }

    /// Appends one field: its length as 8 little-endian bytes, then its bytes.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.hasher.update(&(bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
        self
    }

    /// Appends a string field.
    pub fn str(&mut self, text: &str) -> &mut Self {
        self.field(text.as_bytes())
    }

    /// Appends a number field.
    pub fn u64(&mut self, n: u64) -> &mut Self {
        self.field(&n.to_le_bytes())
    }

    /// Appends another fingerprint as a field.
    pub fn fingerprint(&mut self, fp: &Fingerprint) -> &mut Self {
        self.field(&fp.0)
    }

    /// The digest of everything appended so far.
    pub fn finish(&self) -> Fingerprint {
        Fingerprint(*self.hasher.finalize().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_length_prefixed() {
        let mut a = FingerprintBuilder::new("t");
        a.str("1").str("23");
        let mut b = FingerprintBuilder::new("t");
        b.str("12").str("3");
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn domains_are_separated() {
        assert_ne!(Fingerprint::of_bytes("a", b"x"), Fingerprint::of_bytes("b", b"x"));
        assert_eq!(Fingerprint::of_bytes("a", b"x"), Fingerprint::of_bytes("a", b"x"));
    }

    #[test]
    fn hex_round_trips() {
        let fp = Fingerprint::of_bytes("a", b"x");
        assert_eq!(Fingerprint::from_hex(&fp.to_hex()), Some(fp));
        assert_eq!(fp.short().len(), 12);
        assert_eq!(Fingerprint::from_hex("zz"), None);
    }
}
