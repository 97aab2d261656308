//! serde types as data values: postcard bytes behind a format-version byte, kept inline.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::toml_form::{from_toml, to_toml};
use super::{DataValue, Layout, Payload, StoreCx, Stored};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// The first byte of every inline serde payload; bumped if the encoding ever changes.
const SERDE_FORMAT_V1: u8 = 1;

/// Encodes a serde value as an inline payload (used by [`serde_value!`](crate::serde_value)).
pub fn encode_serde<T: Serialize>(value: &T) -> Result<Stored, StoreError> {
    let bytes = postcard::to_extend(value, vec![SERDE_FORMAT_V1])
        .map_err(|e| StoreError::Encode { type_name: std::any::type_name::<T>(), reason: e.to_string() })?;
    let hash = Fingerprint::of_bytes("taipy.value.serde.v1", &bytes);
    Ok(Stored::new(hash, Payload::Inline(bytes)))
}

/// Decodes an inline payload written by [`encode_serde`].
pub fn decode_serde<T: DeserializeOwned>(stored: &Stored) -> Result<T, StoreError> {
    let type_name = std::any::type_name::<T>();
    let bytes = match &stored.payload {
        Payload::Inline(bytes) => bytes,
        Payload::Artifact { .. } => {
            return Err(StoreError::Decode { type_name, reason: "expected inline bytes".into() });
        }
    };
    match bytes.split_first() {
        Some((&SERDE_FORMAT_V1, rest)) => {
            postcard::from_bytes(rest).map_err(|e| StoreError::Decode { type_name, reason: e.to_string() })
        }
        Some((version, _)) => {
            Err(StoreError::Decode { type_name, reason: format!("unknown format version {version}") })
        }
        None => Err(StoreError::Decode { type_name, reason: "empty payload".into() }),
    }
}

/// Implements [`DataValue`] for serde types (`Serialize + DeserializeOwned`),
/// stored inline as postcard bytes, with the [`Layout`](crate::Layout) traced from the serde
/// implementation, or for a type that cannot be traced, its name
/// ([`Layout::of_serde_or_name`](crate::Layout::of_serde_or_name): a changed field is then not
/// detected, and every job using the type says so in its warning).
///
/// For your own types, `#[derive(DataValue)]` (in taipy's prelude) does the same. This macro is
/// for a one-field struct of yours around a serde type of another crate (`struct
/// Timeout(pub Duration);`), which the derive would store as its field, and the field's type
/// has no `DataValue`. It cannot implement the trait for another crate's type itself: Rust's
/// orphan rule refuses `serde_value!(std::time::Duration)` outside taipy.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// enum Metric { Mean, Median }
/// taipy_core::serde_value!(Metric);
/// ```
#[macro_export]
macro_rules! serde_value {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::DataValue for $ty {
            fn store(&self, _cx: &$crate::StoreCx<'_>) -> ::std::result::Result<$crate::Stored, $crate::StoreError> {
                $crate::__private::encode_serde(self)
            }
            fn load(stored: &$crate::Stored, _cx: &$crate::StoreCx<'_>) -> ::std::result::Result<Self, $crate::StoreError> {
                $crate::__private::decode_serde(stored)
            }
            fn layout() -> ::std::option::Option<$crate::Layout> {
                ::std::option::Option::Some($crate::Layout::of_serde_or_name::<Self>())
            }
            fn from_toml(value: &$crate::__private::TomlValue) -> ::std::result::Result<Self, ::std::string::String> {
                $crate::__private::from_toml(value)
            }
            fn to_toml(&self) -> ::std::option::Option<$crate::__private::TomlValue> {
                $crate::__private::to_toml(self)
            }
        }
    )+};
}

serde_value!(bool, char, String, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
serde_value!(f32, f64);

/// `DataValue` for generic std containers of serde types; `[T: Ord]` adds bounds a container
/// needs to decode (sets and maps).
macro_rules! generic_serde_value {
    ($([$($param:ident $(: $bound:path)?),+] $ty:ty),+ $(,)?) => {$(
        impl<$($param),+> DataValue for $ty
        where
            $($param: Serialize + DeserializeOwned + Send + Sync + 'static $(+ $bound)?),+
        {
            fn store(&self, _cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
                encode_serde(self)
            }
            fn load(stored: &Stored, _cx: &StoreCx<'_>) -> Result<Self, StoreError> {
                decode_serde(stored)
            }
            fn layout() -> Option<Layout> {
                Some(Layout::of_serde_or_name::<Self>())
            }
            fn from_toml(value: &::toml::Value) -> Result<Self, String> {
                from_toml(value)
            }
            fn to_toml(&self) -> Option<::toml::Value> {
                to_toml(self)
            }
        }
    )+};
}

generic_serde_value!([T] Vec<T>, [T] Option<T>, [T: Ord] BTreeSet<T>, [K: Ord, V] BTreeMap<K, V>);

impl<K, V> DataValue for HashMap<K, V>
where
    K: Serialize + DeserializeOwned + Send + Sync + Ord + std::hash::Hash + Eq + 'static,
    V: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Entries are sorted before encoding so equal maps have equal content hashes.
    fn store(&self, _cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        let sorted: BTreeMap<&K, &V> = self.iter().collect();
        encode_serde(&sorted)
    }
    fn load(stored: &Stored, _cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        decode_serde(stored)
    }
    fn layout() -> Option<Layout> {
        Some(Layout::of_serde_or_name::<Self>())
    }
    fn from_toml(value: &::toml::Value) -> Result<Self, String> {
        from_toml(value)
    }
    fn to_toml(&self) -> Option<::toml::Value> {
        to_toml(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_have_equal_hashes() {
        let a = encode_serde(&1000.0f64).unwrap();
        let b = encode_serde(&1000.0f64).unwrap();
        let c = encode_serde(&1600.0f64).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.hash, c.hash);
        assert_eq!(decode_serde::<f64>(&c).unwrap(), 1600.0);
    }

    #[test]
    fn hash_maps_hash_independently_of_order() {
        let mut a = HashMap::new();
        let mut b = HashMap::new();
        for i in 0..50 {
            a.insert(i, i * 2);
        }
        for i in (0..50).rev() {
            b.insert(i, i * 2);
        }
        let scratch = crate::value::scratch::Scratch::new().unwrap();
        let cx = scratch.cx();
        assert_eq!(a.store(&cx).unwrap().hash, b.store(&cx).unwrap().hash);
        let back: HashMap<i32, i32> = HashMap::load(&a.store(&cx).unwrap(), &cx).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn unknown_format_version_is_an_error() {
        let mut stored = encode_serde(&5u8).unwrap();
        if let Payload::Inline(bytes) = &mut stored.payload {
            bytes[0] = 9;
        }
        let err = decode_serde::<u8>(&stored).unwrap_err();
        assert!(err.to_string().contains("unknown format version 9"), "{err}");
    }
}
