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
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(DIGITS[usize::from(byte >> 4)] as char);
            out.push(DIGITS[usize::from(byte & 15)] as char);
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
    /// Fields not yet given to the hasher: small fields are gathered here and hashed at once,
    /// since each `update` call costs about as much as hashing a hundred bytes. The digest is
    /// the same either way (blake3 hashes a stream, however it is cut).
    pending: [u8; PENDING],
    pending_len: usize,
}

/// The bytes of small fields a builder gathers before giving them to the hasher.
const PENDING: usize = 256;

/// How many domains' starting hashers a thread keeps (the domains are a fixed set of names).
const CACHED_DOMAINS: usize = 32;

thread_local! {
    /// Per domain, a hasher with its derived key and nothing hashed yet: deriving the key hashes
    /// the domain's name, which cost a fingerprint of a few fields as much again.
    static STARTS: std::cell::RefCell<Vec<(Box<str>, blake3::Hasher)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A hasher in `domain`'s derive-key context, with nothing hashed yet. Derived afresh where
/// the thread's copies are gone (a fingerprint made by a thread-local's destructor).
fn start(domain: &str) -> blake3::Hasher {
    STARTS
        .try_with(|starts| {
            let mut starts = starts.borrow_mut();
            if let Some((_, hasher)) = starts.iter().find(|(name, _)| **name == *domain) {
                return hasher.clone();
            }
            let hasher = blake3::Hasher::new_derive_key(domain);
            if starts.len() < CACHED_DOMAINS {
                starts.push((domain.into(), hasher.clone()));
            }
            hasher
        })
        .unwrap_or_else(|_| blake3::Hasher::new_derive_key(domain))
}

impl FingerprintBuilder {
    /// Starts a fingerprint in `domain` (for example `"taipy.memo.v1"`).
    pub fn new(domain: &str) -> Self {
        Self { hasher: start(domain), pending: [0; PENDING], pending_len: 0 }
    }

    /// Appends one field: its length as 8 little-endian bytes, then its bytes.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let length = (bytes.len() as u64).to_le_bytes();
        if self.pending_len + length.len() + bytes.len() > PENDING {
            self.flush();
        }
        if length.len() + bytes.len() <= PENDING {
            let at = self.pending_len;
            self.pending[at..at + length.len()].copy_from_slice(&length);
            let at = at + length.len();
            self.pending[at..at + bytes.len()].copy_from_slice(bytes);
            self.pending_len = at + bytes.len();
        } else {
            self.hasher.update(&length);
            self.hasher.update(bytes);
        }
        self
    }

    /// Gives the gathered fields to the hasher.
    fn flush(&mut self) {
        self.hasher.update(&self.pending[..self.pending_len]);
        self.pending_len = 0;
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
        if self.pending_len == 0 {
            return Fingerprint(*self.hasher.finalize().as_bytes());
        }
        let mut hasher = self.hasher.clone();
        hasher.update(&self.pending[..self.pending_len]);
        Fingerprint(*hasher.finalize().as_bytes())
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

    /// The definition: blake3 in the domain's derive-key context over each field's length (8
    /// bytes, little-endian) and bytes. Stores keep these digests, so they must never change.
    fn by_definition(domain: &str, fields: &[&[u8]]) -> Fingerprint {
        let mut hasher = blake3::Hasher::new_derive_key(domain);
        for field in fields {
            hasher.update(&(field.len() as u64).to_le_bytes());
            hasher.update(field);
        }
        Fingerprint(*hasher.finalize().as_bytes())
    }

    #[test]
    fn digests_are_the_definitions_whatever_the_field_sizes() {
        let big = vec![0xabu8; 5000];
        // Sizes around the gathered bytes' limit, alone and after others.
        let sizes = [0usize, 1, 7, 8, 31, 32, 100, 239, 240, 241, 247, 248, 249, 256, 300, 1024, 5000];
        for &first in &sizes {
            for &second in &sizes {
                let fields: [&[u8]; 4] = [&big[..first], b"x", &big[..second], &big[..first]];
                let mut builder = FingerprintBuilder::new("taipy.test.sizes");
                for field in fields {
                    builder.field(field);
                }
                assert_eq!(builder.finish(), by_definition("taipy.test.sizes", &fields), "{first} {second}");
                // `finish` leaves the builder as it was: more fields may follow.
                builder.field(b"more");
                let more: [&[u8]; 5] = [fields[0], fields[1], fields[2], fields[3], b"more"];
                assert_eq!(builder.finish(), by_definition("taipy.test.sizes", &more));
            }
        }
        assert_eq!(FingerprintBuilder::new("empty").finish(), by_definition("empty", &[]));
    }

    #[test]
    fn a_fingerprint_made_while_a_thread_ends_is_the_definitions() {
        // A thread-local made before the domain cache is destroyed after it: its destructor's
        // fingerprint finds the cache gone.
        struct HashesOnDrop(std::sync::mpsc::Sender<Fingerprint>);
        impl Drop for HashesOnDrop {
            fn drop(&mut self) {
                let _ = self.0.send(Fingerprint::of_bytes("taipy.test.drop", b"v"));
            }
        }
        thread_local! {
            static ON_DROP: std::cell::RefCell<Option<HashesOnDrop>> = const { std::cell::RefCell::new(None) };
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            ON_DROP.with_borrow_mut(|slot| *slot = Some(HashesOnDrop(sender)));
            // The cache, first touched now, is destroyed before `ON_DROP`.
            Fingerprint::of_bytes("taipy.test.drop", b"v");
        })
        .join()
        .expect("no panic while the thread ends");
        assert_eq!(receiver.recv().unwrap(), by_definition("taipy.test.drop", &[b"v"]));
    }

    #[test]
    fn domains_keep_their_own_keys_past_the_cache() {
        // More domains than a thread keeps: each digest is still its own domain's, and a domain
        // seen again (cached or not) gives the same digest.
        for round in 0..2 {
            for n in 0..CACHED_DOMAINS + 8 {
                let domain = format!("taipy.test.domain.{n}");
                assert_eq!(Fingerprint::of_bytes(&domain, b"v"), by_definition(&domain, &[b"v"]), "{round}");
            }
        }
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
        let mut bytes = [0u8; 32];
        bytes.iter_mut().enumerate().for_each(|(i, b)| *b = (i as u8).wrapping_mul(37));
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Fingerprint(bytes).to_hex(), expected);
    }
}
