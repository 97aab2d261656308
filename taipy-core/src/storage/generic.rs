//! The `generic` kind: a node whose values the user's own functions read and write (Taipy's
//! `read_fct` / `write_fct`), registered by name like tasks.
//!
//! - A **reader** is `fn(&[String]) -> T` (or `-> Result<T, E>`), registered with
//!   [`generic_reader!`](crate::generic_reader); a **writer** is `fn(&T, &[String])` (or
//!   `-> Result<(), E>`), registered with [`generic_writer!`](crate::generic_writer). The
//!   strings are the node's `read_fct_args` / `write_fct_args`, as Taipy passes them.
//! - A config names them by function name: the builder's [`Storage::generic`], TOML's
//!   `read_fct = "my_module.read_sales:function"` (the last segment is the name; a path that
//!   matches a registered function's module path picks it among homonyms). A name no function
//!   is registered under is a checker error naming the section, the key and the line.
//! - **Writing** the node calls the writer, then the reader: the store records the value the
//!   reader gives back (its content hash, and a copy, as for a value kept in the store), so
//!   the next submit compares like with like. **Reading** calls the reader: the location as it
//!   is now. At every submit the reader is called again and its value hashed: a value changed
//!   outside makes the node's readers re-run, and a reader that fails makes its producer re-run.
//!   A skip that restores an earlier result calls the writer with the store's copy.
//! - A reader or writer that fails or panics is an error naming the node and the function;
//!   the node keeps its last version. At scenario creation, a source node's reader is called
//!   once: its value is the node's first version, and a failing reader means "no value yet".

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::error::{BoxError, StoreError};
use crate::fingerprint::Fingerprint;
use crate::value::{AnyValue, DataValue, StoreCx, Stored, ValueType};

use super::Storage;

/// Registers a reader for `generic` nodes: `taipy::generic_reader!(read_sales);` at module
/// level, where `read_sales` is a `fn(&[String]) -> T` or `fn(&[String]) -> Result<T, E>`, `T`
/// a [`DataValue`](crate::DataValue) and `E` an error. Configs name it `read_sales`.
///
/// ```
/// fn read_level(args: &[String]) -> Result<i64, std::num::ParseIntError> {
///     args.first().map_or(Ok(0), |text| text.parse())
/// }
/// taipy_core::generic_reader!(read_level);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! generic_reader {
    ($function:path $(,)?) => {
        const _: () = {
            fn read(
                args: ::core::option::Option<&[::std::string::String]>,
            ) -> $crate::__private::GenericRead {
                $crate::__private::run_reader($function, args)
            }
            $crate::__private::inventory::submit! {
                $crate::__private::ReaderEntry {
                    id: ::core::concat!(::core::module_path!(), "::", ::core::stringify!($function)),
                    read,
                }
            }
        };
    };
}

/// Registers a writer for `generic` nodes: `taipy::generic_writer!(write_sales);` at module
/// level, where `write_sales` is a `fn(&T, &[String])` or `fn(&T, &[String]) -> Result<(), E>`.
/// Configs name it `write_sales`.
///
/// ```
/// fn write_level(level: &i64, args: &[String]) -> std::io::Result<()> {
///     std::fs::write(&args[0], level.to_string())
/// }
/// taipy_core::generic_writer!(write_level);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! generic_writer {
    ($function:path $(,)?) => {
        const _: () = {
            fn write(
                value: ::core::option::Option<&$crate::__private::AnyValue>,
                args: &[::std::string::String],
            ) -> $crate::__private::GenericWrite {
                $crate::__private::run_writer($function, value, args)
            }
            $crate::__private::inventory::submit! {
                $crate::__private::WriterEntry {
                    id: ::core::concat!(::core::module_path!(), "::", ::core::stringify!($function)),
                    write,
                }
            }
        };
    };
}

/// What an erased reader answers: its value type, and the value read (or why not).
#[doc(hidden)]
pub type GenericRead = (ValueType, Option<Result<AnyValue, BoxError>>);
/// What an erased writer answers: its value type, and whether the write worked (none when
/// only the type was asked).
#[doc(hidden)]
pub type GenericWrite = (ValueType, Option<Result<(), BoxError>>);

/// A registered reader. Made by [`generic_reader!`](crate::generic_reader).
#[doc(hidden)]
pub struct ReaderEntry {
    /// `module::path::function`.
    pub id: &'static str,
    /// The erased function; given no arguments, it only answers its type.
    pub read: fn(Option<&[String]>) -> GenericRead,
}

/// A registered writer. Made by [`generic_writer!`](crate::generic_writer).
#[doc(hidden)]
pub struct WriterEntry {
    /// `module::path::function`.
    pub id: &'static str,
    /// The erased function; given no value, it only answers its type.
    pub write: fn(Option<&AnyValue>, &[String]) -> GenericWrite,
}

inventory::collect!(ReaderEntry);
inventory::collect!(WriterEntry);

/// What a reader returns: the value, or a `Result` of it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be what a generic reader returns",
    note = "a reader is `fn(&[String]) -> T` or `fn(&[String]) -> Result<T, E>`, `T` a `DataValue`"
)]
pub trait ReadOutput {
    /// The value's type.
    type Value: DataValue;
    /// The value, or the reader's failure.
    fn into_value(self) -> Result<Self::Value, BoxError>;
}

impl<T: DataValue> ReadOutput for T {
    type Value = T;
    fn into_value(self) -> Result<T, BoxError> {
        Ok(self)
    }
}

impl<T: DataValue, E: Into<BoxError>> ReadOutput for Result<T, E> {
    type Value = T;
    fn into_value(self) -> Result<T, BoxError> {
        self.map_err(Into::into)
    }
}

/// What a writer returns: nothing, or a `Result<(), E>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be what a generic writer returns",
    note = "a writer is `fn(&T, &[String])` or `fn(&T, &[String]) -> Result<(), E>`"
)]
pub trait WriteOutput {
    /// Whether the write worked.
    fn into_result(self) -> Result<(), BoxError>;
}

impl WriteOutput for () {
    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<E: Into<BoxError>> WriteOutput for Result<(), E> {
    fn into_result(self) -> Result<(), BoxError> {
        self.map_err(Into::into)
    }
}

/// The text of a caught panic.
fn panic_text(panic: Box<dyn std::any::Any + Send>) -> BoxError {
    let text = match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_owned(),
        (_, Some(s)) => s.clone(),
        _ => "a panic without a message".to_owned(),
    };
    format!("panicked: {text}").into()
}

/// Runs a reader (the body of [`generic_reader!`](crate::generic_reader)); given no
/// arguments, answers its type only.
#[doc(hidden)]
pub fn run_reader<R: ReadOutput>(function: fn(&[String]) -> R, args: Option<&[String]>) -> GenericRead {
    let read = args.map(|args| {
        catch_unwind(AssertUnwindSafe(|| function(args)))
            .map_err(panic_text)
            .and_then(ReadOutput::into_value)
            .map(|value| Arc::new(value) as AnyValue)
    });
    (ValueType::of::<R::Value>(), read)
}

/// Runs a writer (the body of [`generic_writer!`](crate::generic_writer)); given no value,
/// answers its type only.
#[doc(hidden)]
pub fn run_writer<T: DataValue, W: WriteOutput>(
    function: fn(&T, &[String]) -> W,
    value: Option<&AnyValue>,
    args: &[String],
) -> GenericWrite {
    let written = value.map(|value| match value.downcast_ref::<T>() {
        Some(value) => catch_unwind(AssertUnwindSafe(|| function(value, args)))
            .map_err(panic_text)
            .and_then(|w| w.into_result()),
        None => Err("the node's value is not of the writer's type".into()),
    });
    (ValueType::of::<T>(), written)
}

/// The entry a config's function name means: `a.b.read_sales` (Taipy's module path) or
/// `read_sales`; `None` when no function is registered under that name.
fn find<'a, E>(entries: impl Iterator<Item = &'a E>, id: fn(&E) -> &'static str, name: &str) -> Option<&'a E>
where
    E: 'a,
{
    let wanted = name.trim().replace('.', "::");
    let last = |path: &str| path.rsplit("::").next().unwrap_or(path).trim().to_owned();
    let mut found = entries.filter(|e| last(id(e)) == last(&wanted)).collect::<Vec<_>>();
    if found.len() > 1 {
        found.retain(|e| id(e).replace(' ', "").ends_with(&wanted));
    }
    found.into_iter().next()
}

/// The reader registered under `name`, with its value type.
pub(crate) fn reader(name: &str) -> Option<&'static ReaderEntry> {
    find(inventory::iter::<ReaderEntry>.into_iter(), |e| e.id, name)
}

/// The writer registered under `name`, with its value type.
pub(crate) fn writer(name: &str) -> Option<&'static WriterEntry> {
    find(inventory::iter::<WriterEntry>.into_iter(), |e| e.id, name)
}

impl ReaderEntry {
    /// The type the reader returns.
    pub(crate) fn value_type(&self) -> ValueType {
        (self.read)(None).0
    }
}

impl WriterEntry {
    /// The type the writer takes.
    pub(crate) fn value_type(&self) -> ValueType {
        (self.write)(None, &[]).0
    }
}

/// The registered names, for messages.
fn names(ids: impl Iterator<Item = &'static str>) -> String {
    let names: Vec<String> = ids.map(|id| id.rsplit("::").next().unwrap_or(id).trim().to_owned()).collect();
    if names.is_empty() {
        "none is registered".to_owned()
    } else {
        format!("registered: {}", names.join(", "))
    }
}

/// The problems of a `generic` storage's functions against the node's type `ty`, types
/// named by `show`.
pub(crate) fn type_problems(storage: &Storage, ty: ValueType, show: impl Fn(&str) -> String) -> Vec<String> {
    let keys = storage.service_keys();
    let mut problems = Vec::new();
    let name = |key: &str| keys.get(key).map(String::as_str).unwrap_or("");
    if let Some(found) = reader(name("read_fct")).map(ReaderEntry::value_type).filter(|t| *t != ty) {
        problems.push(format!(
            "reader `{}` returns `{}`, not `{}`",
            name("read_fct"),
            show(found.name()),
            show(ty.name())
        ));
    }
    if let Some(found) = writer(name("write_fct")).map(WriterEntry::value_type).filter(|t| *t != ty) {
        problems.push(format!(
            "writer `{}` takes `{}`, not `{}`",
            name("write_fct"),
            show(found.name()),
            show(ty.name())
        ));
    }
    problems
}

/// Why `name` names no reader (`key` is `read_fct`) or writer (`write_fct`).
pub(crate) fn unknown(key: &str, name: &str) -> String {
    let (what, registered, how) = match key {
        "read_fct" => {
            ("reader", names(inventory::iter::<ReaderEntry>.into_iter().map(|e| e.id)), "generic_reader!")
        }
        _ => ("writer", names(inventory::iter::<WriterEntry>.into_iter().map(|e| e.id)), "generic_writer!"),
    };
    format!(
        "no generic {what} is registered as `{name}` ({registered}); register it with `taipy::{how}({name})`"
    )
}

fn error(function: &str, action: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Generic { function: function.to_owned(), action, reason: reason.to_string() }
}

/// The function's name and its arguments (`read_fct_args` / `write_fct_args`, a JSON list).
fn function<'a>(storage: &'a Storage, key: &str) -> Result<(&'a str, Vec<String>), StoreError> {
    let keys = storage.service_keys();
    let name =
        keys.get(key).map(String::as_str).ok_or_else(|| error("?", "use", format!("{key} is missing")))?;
    let args = match keys.get(&format!("{key}_args")) {
        None => Vec::new(),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| error(name, "use", format!("{key}_args `{text}` is not a list of strings: {e}")))?,
    };
    Ok((name, args))
}

/// Calls the node's reader.
fn read(storage: &Storage, ty: ValueType) -> Result<AnyValue, StoreError> {
    let (name, args) = function(storage, "read_fct")?;
    let entry = reader(name).ok_or_else(|| error(name, "read", unknown("read_fct", name)))?;
    match (entry.read)(Some(&args)) {
        (found, _) if found != ty => {
            Err(error(name, "read", format!("it returns `{}`, the node holds `{}`", found.name(), ty.name())))
        }
        (_, Some(read)) => read.map_err(|e| error(name, "read", e)),
        (_, None) => Err(error(name, "read", "the reader gave nothing")),
    }
}

/// Writes `value` with the node's writer, then reads it back: what the store records.
pub(super) fn store(
    storage: &Storage,
    ty: ValueType,
    value: &AnyValue,
    cx: &StoreCx<'_>,
) -> Result<Stored, StoreError> {
    write(storage, ty, value)?;
    let back = read(storage, ty)?;
    ty.store(&back, cx)
}

fn write(storage: &Storage, ty: ValueType, value: &AnyValue) -> Result<(), StoreError> {
    let (name, args) = function(storage, "write_fct")?;
    let entry = writer(name).ok_or_else(|| error(name, "write", unknown("write_fct", name)))?;
    match (entry.write)(Some(value), &args) {
        (found, _) if found != ty => {
            Err(error(name, "write", format!("it takes `{}`, the node holds `{}`", found.name(), ty.name())))
        }
        (_, Some(written)) => written.map_err(|e| error(name, "write", e)),
        (_, None) => Err(error(name, "write", "the writer did not run")),
    }
}

/// The value the reader gives now.
pub(super) fn load(storage: &Storage, ty: ValueType) -> Result<AnyValue, StoreError> {
    read(storage, ty)
}

/// The content hash of what the reader gives now.
pub(super) fn refresh(storage: &Storage, ty: ValueType, cx: &StoreCx<'_>) -> Result<Fingerprint, StoreError> {
    let value = read(storage, ty)?;
    Ok(ty.store(&value, cx)?.hash)
}

/// Writes the store's copy back with the writer (a skip restoring an earlier result).
pub(super) fn restore(
    storage: &Storage,
    ty: ValueType,
    stored: &Stored,
    cx: &StoreCx<'_>,
) -> Result<(), StoreError> {
    let value = ty.load(stored, cx)?;
    write(storage, ty, &value)
}

/// A source node's first value: what the reader gives, `None` when it fails (no value yet).
pub(super) fn adopt(
    storage: &Storage,
    ty: ValueType,
    cx: &StoreCx<'_>,
) -> Result<Option<Stored>, StoreError> {
    match read(storage, ty) {
        Ok(value) => ty.store(&value, cx).map(Some),
        Err(_) => Ok(None),
    }
}
