//! File kinds: a value written atomically at a user-visible path, with a content-addressed copy
//! in the store.
//!
//! Writing: the value is written as a store artifact first (temporary file, fsync, rename to its
//! content hash), then copied to a temporary file beside the destination (the rename stays on
//! one file system), fsynced and renamed over the destination, and the folder is fsynced:
//! readers see the old file or the new one, never half of one, and a failed write leaves the
//! old file as it was. The file's hash is cached as trusted (by size, mtime and inode), so the
//! next submit does not re-read it to know nothing changed. The store records the artifact:
//! a result remembered for earlier inputs is put back at the path from its copy when a skip
//! restores it, as a value kept in the store would be.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::StoreError;
use crate::value::{StoreCx, Stored, encode_serde, stamp_trusted, sync_dir};

use super::StorageKind;

/// The error of a file kind: the kind, what was done, the file and why.
pub(super) fn error(kind: StorageKind, action: &'static str, path: &Path, reason: String) -> StoreError {
    StoreError::Location { kind: kind.name(), action, location: path.display().to_string(), reason }
}

/// The extension of a kind's artifacts.
fn extension(kind: StorageKind) -> &'static str {
    match kind {
        StorageKind::Excel => "xlsx",
        StorageKind::Binary => "bin",
        other => other.name(),
    }
}

/// The folder of `path`, which must exist.
fn folder(kind: StorageKind, path: &Path) -> Result<PathBuf, StoreError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(error(kind, "write", path, format!("folder `{}` does not exist", folder.display())));
    }
    if path.file_name().is_none() {
        return Err(error(kind, "write", path, "the path names no file".into()));
    }
    Ok(folder)
}

/// Writes a file of `kind` at `path` with `write` (given a temporary path), makes it durable and
/// returns what the store records.
pub(super) fn store(
    kind: StorageKind,
    path: &Path,
    cx: &StoreCx<'_>,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<Stored, StoreError> {
    folder(kind, path)?;
    let writer = cx.new_artifact(extension(kind))?;
    write(writer.path()).map_err(|reason| error(kind, "write", path, reason))?;
    let stored = writer.finish()?;
    place(kind, &stored, path, cx)?;
    Ok(Stored { layout: None, ..stored })
}

/// Puts the store's copy of a value at `path`, atomically.
pub(super) fn place(
    kind: StorageKind,
    stored: &Stored,
    path: &Path,
    cx: &StoreCx<'_>,
) -> Result<(), StoreError> {
    let folder = folder(kind, path)?;
    let source = cx
        .open_artifact(&stored.payload)?
        .ok_or_else(|| error(kind, "write", path, "the store holds no copy of this value".into()))?;
    let name = path.file_name().expect("checked by `folder`");
    let temp = folder.join(format!(".{}.{}.taipy-tmp", name.to_string_lossy(), unique()));
    let copied = std::fs::copy(&source, &temp)
        .and_then(|_| std::fs::File::open(&temp)?.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&temp);
        return Err(error(kind, "write", path, e.to_string()));
    }
    sync_dir(&folder)?;
    stamp_trusted(cx.files, path, stored.hash)
}

/// A suffix no other temporary file of this process or another has at the same time.
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// What the store records for a file it did not write (a source node's file).
pub(super) fn adopt(path: &Path, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
    let hash = cx.file_fingerprint(path)?;
    Ok(Stored::new(hash, encode_serde(&path.to_path_buf())?.payload))
}
