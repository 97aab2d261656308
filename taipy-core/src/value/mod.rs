//! How values are stored, read and fingerprinted: the [`DataValue`] trait.
//!
//! - serde types are stored inline as postcard bytes behind a format-version byte, with their
//!   type's [`Layout`] (`#[derive(DataValue)]` implements the trait for a type of yours,
//!   [`serde_value!`](crate::serde_value) for a serde type of another crate);
//! - external files ([`CsvFile`], [`ParquetFile`]) are stored as their path, fingerprinted by
//!   their bytes;
//! - with the `polars` feature, `DataFrame` and `LazyFrame` are content-addressed Parquet
//!   artifacts.

mod artifact;
mod compression;
mod declared;
mod file;
mod formats;
#[cfg(feature = "polars")]
mod frame_files;
mod frame_plan;
#[cfg(feature = "polars")]
mod frames;
mod layout;
#[cfg(feature = "polars")]
mod parquet_files;
#[cfg(feature = "polars")]
mod polars_text;
pub(crate) mod records;
pub(crate) mod scratch;
mod serde_files;
mod serde_impls;
mod table;
mod toml_form;

use std::any::{Any, TypeId};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use artifact::ArtifactWriter;
#[cfg(any(test, feature = "s3"))]
pub(crate) use artifact::hash_bytes;
pub(crate) use artifact::{hash_file, sync_dir};
pub use compression::FrameCompression;
#[doc(hidden)]
pub use declared::{DeclaredField, Probe, ProbeDataValue, ProbeNone, ProbeSerde, declared_layout};
pub use file::{CsvFile, ParquetFile};
pub(crate) use file::{fingerprint_cached, stamp_trusted};
pub use formats::{FileFormat, FileFormats, FileSpec, Holds, kind};
pub use frame_plan::FramePlan;
pub(crate) use frame_plan::store_plans;
pub use layout::Layout;
pub(crate) use layout::known_text as layout_text;
pub(crate) use serde_files::{read_rows, write_rows};
#[doc(hidden)]
pub use serde_files::{read_serde, serde_formats, write_serde};
#[doc(hidden)]
pub use serde_impls::{decode_serde, encode_serde};
pub use table::{TableColumn, TablePage};
pub use toml_form::{from_toml, to_toml};

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// A value as the store keeps it: its content hash, where its bytes are, and the layout of the
/// type that wrote them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stored {
    /// The content hash of the bytes.
    pub hash: Fingerprint,
    /// Where the bytes are.
    pub payload: Payload,
    /// The fingerprint of the writing type's [`Layout`] (`None`: a type without one, or a value
    /// stored before layouts were recorded). The store sets it from [`DataValue::layout`] when
    /// an implementation leaves it `None`. Records keep it in a field of their own, appended
    /// after their older fields (see `store/records.rs`), hence not serialized here.
    #[serde(skip)]
    pub layout: Option<Fingerprint>,
}

impl Stored {
    /// A stored value without a layout (the store adds the type's).
    pub fn new(hash: Fingerprint, payload: Payload) -> Self {
        Self { hash, payload, layout: None }
    }
}

/// Where a stored value's bytes are.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Payload {
    /// Small values: the encoded bytes themselves, kept in the database.
    Inline(Vec<u8>),
    /// Large values: a content-addressed file `artifacts/<hash>.<extension>`.
    Artifact {
        /// The file's blake3 hash (its name).
        hash: Fingerprint,
        /// The file's extension, e.g. `parquet`.
        extension: String,
    },
}

/// What the store offers values for their artifacts: implemented by the store's artifact
/// folder (`store/artifacts/`), and by a scratch folder where only a content hash is wanted.
pub(crate) trait ArtifactAccess: Send + Sync {
    /// A new temporary path, with this extension, to write an artifact's bytes to.
    fn temp_path(&self, extension: &str) -> PathBuf;

    /// Makes the file written at `temp` a durable, content-addressed artifact and returns how
    /// to find it again. The temporary file is gone afterwards.
    fn put(&self, temp: &Path, extension: &str) -> Result<Stored, StoreError>;

    /// The local path of a stored artifact, after checking that its bytes match its hash.
    fn open(&self, hash: &Fingerprint, extension: &str) -> Result<PathBuf, StoreError>;
}

/// The cache of file fingerprints (records encoded by `file.rs`), kept by the store.
pub(crate) trait FileCache: Send + Sync {
    /// The cached record for a file, if any.
    fn get(&self, path: &Path) -> Result<Option<Vec<u8>>, StoreError>;
    /// Replaces the cached record for a file.
    fn put(&self, path: &Path, record: Vec<u8>) -> Result<(), StoreError>;
}

/// What a [`DataValue`] implementation may use of the store: its artifacts, the cache of
/// file fingerprints, and the store's options for values.
pub struct StoreCx<'a> {
    pub(crate) artifacts: &'a dyn ArtifactAccess,
    pub(crate) files: &'a dyn FileCache,
    pub(crate) frame_compression: FrameCompression,
}

impl StoreCx<'_> {
    /// Starts writing a new artifact with the given extension; see [`ArtifactWriter`].
    pub fn new_artifact(&self, extension: &str) -> Result<ArtifactWriter<'_>, StoreError> {
        Ok(ArtifactWriter::new(self.artifacts, extension))
    }

    /// The local path of a stored value's artifact, checked against its content hash first (a
    /// damaged artifact is an error and is moved aside); `None` for a value stored inline.
    pub fn open_artifact(&self, payload: &Payload) -> Result<Option<PathBuf>, StoreError> {
        match payload {
            Payload::Inline(_) => Ok(None),
            Payload::Artifact { hash, extension } => self.artifacts.open(hash, extension).map(Some),
        }
    }

    /// The content fingerprint of an external file, re-hashed only when its size, mtime or
    /// inode changed since it was last hashed.
    pub fn file_fingerprint(&self, path: &Path) -> Result<Fingerprint, StoreError> {
        file::fingerprint_cached(self.files, path)
    }

    /// How the store compresses new frame artifacts
    /// ([`StoreOptions::frame_compression`](crate::StoreOptions::frame_compression)).
    pub fn frame_compression(&self) -> FrameCompression {
        self.frame_compression
    }
}

/// How a type is stored in a data node, read back, and fingerprinted.
///
/// Implemented for the common std types (numbers, `bool`, `char`, `String`, `PathBuf`,
/// `Duration`, `SystemTime`, `Vec`, `VecDeque`, `Option`, `Box`, `Arc`, sets and maps of serde
/// types), for [`CsvFile`] and [`ParquetFile`], and with the `polars` feature for `DataFrame` and
/// `LazyFrame`. For a type of yours, `#[derive(DataValue)]` (in taipy's prelude) writes the
/// impl: a newtype is stored as its field, any other struct or enum with serde's bytes. A serde
/// type of another crate goes into a one-field struct of yours, stored by
/// [`serde_value!`](crate::serde_value) (the orphan rule forbids implementing it for the
/// foreign type). `()` and tuples are not data values: a task returning them has no output or
/// one output per element; keep a pair in one node as a struct of yours.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a data node",
    label = "not a `DataValue`",
    note = "for a type of yours, add `#[derive(DataValue)]` (with serde's `Serialize` and `Deserialize` if it has several fields or is an enum); for a serde type of another crate, put it in a one-field struct of yours with serde's derives and `taipy::serde_value!(ThatStruct);`"
)]
pub trait DataValue: Send + Sync + 'static {
    /// Whether the value refers to something outside the store whose content can change
    /// without a write (a file): its fingerprint is then refreshed at every submit.
    const EXTERNAL: bool = false;

    /// Whether downstream tasks of the same submission should receive the value read back from
    /// the store rather than the value the task returned (a lazy query is then not re-executed).
    const RELOAD_AFTER_STORE: bool = false;

    /// Encodes the value for storage and computes its content hash.
    fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError>;

    /// Reads a stored value back.
    fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError>
    where
        Self: Sized;

    /// For a lazy frame (and a newtype of one): its plan, not executed. Within one submission
    /// the orchestrator hands it to downstream tasks declared [`lazy`](crate::TaskConfig::lazy)
    /// and stores it together with their outputs in one query (`orchestrator/fuse.rs`). The
    /// default, `None`, is for every other value.
    fn plan(&self) -> Option<FramePlan> {
        None
    }

    /// The value holding `plan` (the inverse of [`plan`](Self::plan)); `None` (the default)
    /// for a type that is not a lazy frame.
    fn from_plan(plan: FramePlan) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = plan;
        None
    }

    /// The layout of the type's stored bytes, stored beside every value and checked when one is
    /// read: a value written with another layout is never decoded as this type, and a task
    /// whose input or output layouts changed re-runs. `#[derive(DataValue)]` and
    /// [`serde_value!`](crate::serde_value) trace it from the serde implementation
    /// ([`Layout::of_serde`]); when that fails, the derive falls back to the type's declaration
    /// and `serde_value!` to the type's name ([`Layout::of_serde_or_name`]); a one-field newtype
    /// has its field's. The default, `None`, checks nothing: for values that describe
    /// themselves (frames, external files).
    fn layout() -> Option<Layout>
    where
        Self: Sized,
    {
        None
    }

    /// For [`EXTERNAL`](Self::EXTERNAL) values: the content hash as of now.
    fn refresh(stored: &Stored, cx: &StoreCx<'_>) -> Result<Fingerprint, StoreError>
    where
        Self: Sized,
    {
        let _ = cx;
        Ok(stored.hash)
    }

    /// Reads a value written in a TOML config (`default_data = "1000:int"`, `"mean"`), already
    /// converted from Taipy's typed strings to a plain TOML value. The error says why the value
    /// does not fit. [`serde_value!`](crate::serde_value) implements it with serde (see
    /// [`toml::from_toml`](crate::toml::from_toml)); the default refuses every value.
    fn from_toml(value: &::toml::Value) -> Result<Self, String>
    where
        Self: Sized,
    {
        let _ = value;
        Err(format!("`{}` cannot be written in a TOML config", std::any::type_name::<Self>()))
    }

    /// The value as a TOML config writes it (exports); `None` when the type has no TOML form.
    fn to_toml(&self) -> Option<::toml::Value> {
        None
    }

    /// Rows `rows` of the value shown as a table (a frame: at most that window is read), or
    /// `None` when the type is not a table (the default). The error says why the rows could
    /// not be read.
    fn table_page(&self, rows: std::ops::Range<usize>) -> Option<Result<TablePage, String>> {
        let _ = rows;
        None
    }

    /// The file formats a node stored in a file can hold this type in (see
    /// [`FileFormats`]); the default, none, keeps the type in the store. Must agree with the
    /// type's [`Holds`] impls, which `scenario!` and the builder check at compile time.
    fn file_formats() -> FileFormats
    where
        Self: Sized,
    {
        FileFormats::NONE
    }

    /// Writes the value to a file of `spec.format` at `spec.path` (a temporary file: the
    /// caller makes it durable and renames it into place). The error says why, without the path.
    fn write_file(&self, spec: &FileSpec<'_>) -> Result<(), String> {
        Err(spec.unsupported(std::any::type_name::<Self>()))
    }

    /// Reads a value back from a file written by [`write_file`](Self::write_file) (or by
    /// another tool in the same format).
    fn read_file(spec: &FileSpec<'_>) -> Result<Self, String>
    where
        Self: Sized,
    {
        Err(spec.unsupported(std::any::type_name::<Self>()))
    }
}

/// A value of any stored type, shared between the tasks of one submission.
pub type AnyValue = Arc<dyn Any + Send + Sync>;

/// The type-erased operations of one [`DataValue`] type, as configs hold them.
#[derive(Clone, Copy)]
pub struct ValueType {
    name: fn() -> &'static str,
    type_id: fn() -> TypeId,
    external: bool,
    reload_after_store: bool,
    layout: fn() -> Option<Layout>,
    store: fn(&AnyValue, &StoreCx<'_>) -> Result<Stored, StoreError>,
    load: fn(&Stored, &StoreCx<'_>) -> Result<AnyValue, StoreError>,
    plan: fn(&AnyValue) -> Option<FramePlan>,
    from_plan: fn(FramePlan) -> Option<AnyValue>,
    refresh: fn(&Stored, &StoreCx<'_>) -> Result<Fingerprint, StoreError>,
    from_toml: fn(&::toml::Value) -> Result<AnyValue, String>,
    to_toml: fn(&AnyValue) -> Option<::toml::Value>,
    table_page: TablePageFn,
    file_formats: fn() -> FileFormats,
    write_file: fn(&AnyValue, &FileSpec<'_>) -> Result<(), String>,
    read_file: fn(&FileSpec<'_>) -> Result<AnyValue, String>,
}

/// [`DataValue::table_page`], type-erased.
type TablePageFn = fn(&AnyValue, std::ops::Range<usize>) -> Option<Result<TablePage, String>>;

impl ValueType {
    /// The operations of `T`.
    pub fn of<T: DataValue>() -> Self {
        Self {
            name: std::any::type_name::<T>,
            type_id: TypeId::of::<T>,
            external: T::EXTERNAL,
            reload_after_store: T::RELOAD_AFTER_STORE,
            layout: T::layout,
            store: |value, cx| match value.downcast_ref::<T>() {
                Some(value) => store_value(value, cx),
                None => Err(StoreError::Encode {
                    type_name: std::any::type_name::<T>(),
                    reason: "the value has another type".into(),
                }),
            },
            load: |stored, cx| Ok(Arc::new(T::load(stored, cx)?) as AnyValue),
            plan: |value| value.downcast_ref::<T>().and_then(T::plan),
            from_plan: |plan| T::from_plan(plan).map(|value| Arc::new(value) as AnyValue),
            refresh: T::refresh,
            from_toml: |value| Ok(Arc::new(T::from_toml(value)?) as AnyValue),
            to_toml: |value| value.downcast_ref::<T>().and_then(T::to_toml),
            table_page: |value, rows| value.downcast_ref::<T>().and_then(|v| v.table_page(rows)),
            file_formats: T::file_formats,
            write_file: |value, spec| match value.downcast_ref::<T>() {
                Some(value) => value.write_file(spec),
                None => Err(format!("the value is not a `{}`", std::any::type_name::<T>())),
            },
            read_file: |spec| Ok(Arc::new(T::read_file(spec)?) as AnyValue),
        }
    }

    /// The file formats a node in a file can hold this type in ([`DataValue::file_formats`]).
    pub fn file_formats(&self) -> FileFormats {
        (self.file_formats)()
    }

    pub(crate) fn write_file(&self, value: &AnyValue, spec: &FileSpec<'_>) -> Result<(), String> {
        (self.write_file)(value, spec)
    }

    pub(crate) fn read_file(&self, spec: &FileSpec<'_>) -> Result<AnyValue, String> {
        (self.read_file)(spec)
    }

    /// Reads a value of this type from a TOML config value ([`DataValue::from_toml`]).
    pub fn from_toml(&self, value: &::toml::Value) -> Result<AnyValue, String> {
        (self.from_toml)(value)
    }

    /// A value of this type as a TOML config writes it ([`DataValue::to_toml`]); `None` when
    /// the type has no TOML form or `value` is not of this type.
    pub fn to_toml(&self, value: &AnyValue) -> Option<::toml::Value> {
        (self.to_toml)(value)
    }

    /// Rows `rows` of `value` as a table ([`DataValue::table_page`]); `None` when the type is
    /// not a table or `value` is not of this type.
    pub fn table_page(
        &self,
        value: &AnyValue,
        rows: std::ops::Range<usize>,
    ) -> Option<Result<TablePage, String>> {
        (self.table_page)(value, rows)
    }

    /// The Rust type's name.
    pub fn name(&self) -> &'static str {
        (self.name)()
    }

    /// The Rust type's id.
    pub fn type_id(&self) -> TypeId {
        (self.type_id)()
    }

    /// Whether this type's content can change outside the store.
    pub fn is_external(&self) -> bool {
        self.external
    }

    /// The layout of the type's stored bytes ([`DataValue::layout`]).
    pub fn layout(&self) -> Option<Layout> {
        (self.layout)()
    }

    pub(crate) fn reload_after_store(&self) -> bool {
        self.reload_after_store
    }

    pub(crate) fn store(&self, value: &AnyValue, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        (self.store)(value, cx)
    }

    pub(crate) fn load(&self, stored: &Stored, cx: &StoreCx<'_>) -> Result<AnyValue, StoreError> {
        (self.load)(stored, cx)
    }

    /// The plan of a lazy frame value ([`DataValue::plan`]).
    pub(crate) fn plan(&self, value: &AnyValue) -> Option<FramePlan> {
        (self.plan)(value)
    }

    /// A value of this type holding `plan` ([`DataValue::from_plan`]).
    pub(crate) fn value_of_plan(&self, plan: FramePlan) -> Option<AnyValue> {
        (self.from_plan)(plan)
    }

    pub(crate) fn refresh(&self, stored: &Stored, cx: &StoreCx<'_>) -> Result<Fingerprint, StoreError> {
        (self.refresh)(stored, cx)
    }
}

impl std::fmt::Debug for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for ValueType {
    fn eq(&self, other: &Self) -> bool {
        self.type_id() == other.type_id()
    }
}

/// Stores a value with its type's layout (unless the implementation set one).
pub(crate) fn store_value<T: DataValue>(value: &T, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
    let mut stored = value.store(cx)?;
    if stored.layout.is_none() {
        stored.layout = T::layout().map(|layout| layout.fingerprint());
    }
    Ok(stored)
}

/// The layout a stored value was written with, when it differs from `expected` (the reading
/// type's): such a value must not be decoded. A value without a recorded layout (stored before
/// layouts were recorded) is read as the current type: it was written by this program's type
/// before the upgrade, and refusing it would make every existing parameter unreadable.
pub(crate) fn layout_mismatch(stored: &Stored, expected: Option<Layout>) -> Option<Fingerprint> {
    match (stored.layout, expected) {
        (Some(found), Some(expected)) if found != expected.fingerprint() => Some(found),
        _ => None,
    }
}

/// Deserializes a field appended to a record type after stores were written without it: a
/// stored record that ends before the field gets the field's default. (Postcard is not
/// self-describing, so `#[serde(default)]` alone does not do this.) New fields go last.
pub(crate) fn appended<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(T::deserialize(deserializer).unwrap_or_default())
}
