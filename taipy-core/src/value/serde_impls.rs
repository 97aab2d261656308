//! serde types as data values: postcard bytes behind a format-version byte, kept inline.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

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
/// Address(pub std::net::Ipv4Addr);`), which the derive would store as its field, and the
/// field's type has no `DataValue`. It cannot implement the trait for another crate's type
/// itself: Rust's orphan rule refuses `serde_value!(std::net::Ipv4Addr)` outside taipy.
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
            fn file_formats() -> $crate::FileFormats {
                $crate::__private::serde_formats()
            }
            fn write_file(&self, spec: &$crate::FileSpec<'_>) -> ::std::result::Result<(), ::std::string::String> {
                $crate::__private::write_serde(self, spec)
            }
            fn read_file(spec: &$crate::FileSpec<'_>) -> ::std::result::Result<Self, ::std::string::String> {
                $crate::__private::read_serde(spec)
            }
        }
        impl $crate::Holds<$crate::kind::Json> for $ty {}
        impl $crate::Holds<$crate::kind::Binary> for $ty {}
        impl $crate::Holds<$crate::kind::S3Object> for $ty {}
    )+};
}

serde_value!(bool, char, String, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
serde_value!(f32, f64);
serde_value!(Duration, SystemTime, PathBuf);

/// `DataValue` for generic std containers of serde types; `[T: Ord]` adds bounds a container
/// needs to decode (sets and maps).
macro_rules! generic_serde_value {
    ($([$($param:ident $(: $bound:path)?),+] $ty:ty),+ $(,)?) => {$(
        impl<$($param),+> crate::Holds<crate::kind::Json> for $ty {}
        impl<$($param),+> crate::Holds<crate::kind::Binary> for $ty {}
        impl<$($param),+> crate::Holds<crate::kind::S3Object> for $ty {}
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
            fn file_formats() -> crate::FileFormats {
                crate::FileFormats::SERDE
            }
            fn write_file(&self, spec: &crate::FileSpec<'_>) -> Result<(), String> {
                super::write_serde(self, spec)
            }
            fn read_file(spec: &crate::FileSpec<'_>) -> Result<Self, String> {
                super::read_serde(spec)
            }
        }
    )+};
}

/// Serde rows: a table in CSV, Parquet (feature polars), JSON records, Excel, or binary.
impl<T> DataValue for Vec<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
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
    fn file_formats() -> crate::FileFormats {
        crate::FileFormats::ROWS
    }
    fn write_file(&self, spec: &crate::FileSpec<'_>) -> Result<(), String> {
        super::write_rows(self, spec)
    }
    fn read_file(spec: &crate::FileSpec<'_>) -> Result<Self, String> {
        super::read_rows(spec)
    }
}
impl<T> crate::Holds<crate::kind::Json> for Vec<T> {}
impl<T> crate::Holds<crate::kind::Binary> for Vec<T> {}
impl<T> crate::Holds<crate::kind::Csv> for Vec<T> {}
impl<T> crate::Holds<crate::kind::Excel> for Vec<T> {}
impl<T> crate::Holds<crate::kind::SqlTable> for Vec<T> {}
impl<T> crate::Holds<crate::kind::Sql> for Vec<T> {}
impl<T> crate::Holds<crate::kind::S3Object> for Vec<T> {}
#[cfg(feature = "polars")]
impl<T> crate::Holds<crate::kind::Parquet> for Vec<T> {}

generic_serde_value!(
    [T] VecDeque<T>,
    [T] Option<T>,
    [T: Ord] BTreeSet<T>,
    [K: Ord, V] BTreeMap<K, V>,
);

// `()` and tuples are not data values: a task returning `()` has no output, and one returning
// a tuple has one output per element (`TaskOutput`). A pair in one node is a struct of yours.

/// `DataValue` for a smart pointer to a data value, stored exactly as its `T` (same bytes, same
/// layout; a shared frame is `Arc<LazyFrame>`), so a task can share a large value without
/// cloning it. Bounded by `T: DataValue`, not by serde: `Arc<AtomicBool>` (serde can store an
/// atomic) must keep its own `store` method where taipy's prelude is imported.
macro_rules! pointer_value {
    ($($ptr:ident),+) => {$(
        impl<T: DataValue> DataValue for $ptr<T> {
            const EXTERNAL: bool = T::EXTERNAL;
            const RELOAD_AFTER_STORE: bool = T::RELOAD_AFTER_STORE;

            fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
                T::store(self, cx)
            }
            fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError> {
                T::load(stored, cx).map($ptr::new)
            }
            fn plan(&self) -> Option<super::FramePlan> {
                T::plan(self)
            }
            fn from_plan(plan: super::FramePlan) -> Option<Self> {
                T::from_plan(plan).map($ptr::new)
            }
            fn layout() -> Option<Layout> {
                T::layout()
            }
            fn refresh(stored: &Stored, cx: &StoreCx<'_>) -> Result<Fingerprint, StoreError> {
                T::refresh(stored, cx)
            }
            fn from_toml(value: &::toml::Value) -> Result<Self, String> {
                T::from_toml(value).map($ptr::new)
            }
            fn to_toml(&self) -> Option<::toml::Value> {
                T::to_toml(self)
            }
            fn file_formats() -> crate::FileFormats {
                T::file_formats()
            }
            fn write_file(&self, spec: &crate::FileSpec<'_>) -> Result<(), String> {
                T::write_file(self, spec)
            }
            fn read_file(spec: &crate::FileSpec<'_>) -> Result<Self, String> {
                T::read_file(spec).map($ptr::new)
            }
        }
        impl<K: crate::kind::Kind, T: crate::Holds<K>> crate::Holds<K> for $ptr<T> {}
    )+};
}

pointer_value!(Box, Arc);

impl<T> DataValue for HashSet<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + Ord + std::hash::Hash + Eq + 'static,
{
    /// Elements are sorted before encoding so equal sets have equal content hashes.
    fn store(&self, _cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        let sorted: BTreeSet<&T> = self.iter().collect();
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
        to_toml(&self.iter().collect::<BTreeSet<&T>>())
    }
}

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
    use std::collections::{HashSet, VecDeque};
    use std::fmt::Debug;
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::value::store_value;

    /// Stores and loads `value` (with its layout recorded) and returns its type's layout.
    fn round_trip<T: DataValue + PartialEq + Debug>(value: T) -> Layout {
        let scratch = crate::value::scratch::Scratch::new().unwrap();
        let cx = scratch.cx();
        let stored = store_value(&value, &cx).unwrap();
        assert_eq!(T::load(&stored, &cx).unwrap(), value);
        let layout = T::layout().expect("a layout");
        assert!(!layout.is_name_only(), "{layout}");
        assert_eq!(stored.layout, Some(layout.fingerprint()));
        layout
    }

    #[test]
    fn common_std_types_round_trip_with_their_layouts() {
        let layout = round_trip(Duration::from_millis(1500));
        assert_eq!(layout.text(), "Duration { secs: u64, nanos: u32 }");
        let layout = round_trip(SystemTime::UNIX_EPOCH + Duration::from_nanos(5_000_000_007));
        assert_eq!(layout.text(), "SystemTime { secs_since_epoch: u64, nanos_since_epoch: u32 }");
        assert_eq!(round_trip(PathBuf::from("data/customers.csv")).text(), "String");
        assert_eq!(round_trip(HashSet::from([3, 1, 2])).text(), "Vec<i32>");
        assert_eq!(round_trip(VecDeque::from([1u8, 2])).text(), "Vec<u8>");
        assert_eq!(round_trip(BTreeSet::from(['a'])).text(), "Vec<char>");
        assert_eq!(round_trip(Box::new(7i64)).text(), "i64");
        assert_eq!(round_trip(Arc::new("x".to_owned())).text(), "String");
        assert_eq!(
            round_trip(Box::new(Duration::ZERO)),
            round_trip(Duration::ZERO),
            "same bytes, same layout"
        );
    }

    #[test]
    fn hash_sets_hash_independently_of_order() {
        let a: HashSet<u64> = (0..50).collect();
        let b: HashSet<u64> = (0..50).rev().collect();
        let scratch = crate::value::scratch::Scratch::new().unwrap();
        let cx = scratch.cx();
        assert_eq!(a.store(&cx).unwrap().hash, b.store(&cx).unwrap().hash);
    }

    #[test]
    fn common_std_types_are_written_in_toml() {
        let path = PathBuf::from_toml(&::toml::Value::String("data/x.csv".into())).unwrap();
        assert_eq!(path, PathBuf::from("data/x.csv"));
        assert_eq!(path.to_toml(), Some(::toml::Value::String("data/x.csv".into())));
        let tags = HashSet::<String>::from_toml(&::toml::Value::Array(vec!["a".into()])).unwrap();
        assert_eq!(tags, HashSet::from(["a".to_owned()]));
    }

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
