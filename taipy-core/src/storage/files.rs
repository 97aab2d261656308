//! File kinds: a value written atomically at a user-visible path, recorded by its content hash.
//!
//! Writing: the value goes to a temporary file in the destination's folder (so the rename
//! stays on one file system), which is fsynced and renamed over the destination, and the
//! folder is fsynced: readers see the old file or the new one, never half of one, and a failed
//! write leaves the old file as it was. The file's hash is then cached as trusted (by size,
//! mtime and inode), so the next submit does not re-read the file to know nothing changed.
//! The store records the path (inline) and the file's content hash.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::StoreError;
use crate::value::{
    Payload, StoreCx, Stored, decode_serde, encode_serde, hash_file, stamp_trusted, sync_dir,
};

use super::StorageKind;

/// The error of a file kind: the kind, what was done, the file and why.
pub(super) fn error(kind: StorageKind, action: &'static str, path: &Path, reason: String) -> StoreError {
    StoreError::Location { kind: kind.name(), action, location: path.display().to_string(), reason }
}

/// The path a stored value refers to.
pub(super) fn path_of(stored: &Stored) -> Result<PathBuf, StoreError> {
    decode_serde(stored)
}

/// Writes a file of `kind` at `path` with `write` (given a temporary path beside it), makes it
/// durable and returns what the store records.
pub(super) fn store(
    kind: StorageKind,
    path: &Path,
    cx: &StoreCx<'_>,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<Stored, StoreError> {
    let fail = |reason: String| error(kind, "write", path, reason);
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(fail(format!("folder `{}` does not exist", folder.display())));
    }
    let name = path.file_name().ok_or_else(|| fail("the path names no file".into()))?;
    let temp = folder.join(format!(".{}.{}.taipy-tmp", name.to_string_lossy(), unique()));
    let written = write(&temp).and_then(|()| {
        std::fs::File::open(&temp).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
        std::fs::rename(&temp, path).map_err(|e| e.to_string())
    });
    if let Err(reason) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(reason));
    }
    sync_dir(&folder)?;
    let hash = hash_file(path)?;
    stamp_trusted(cx.files, path, hash)?;
    let payload = encode_serde(&path.to_path_buf())?.payload;
    debug_assert!(matches!(payload, Payload::Inline(_)));
    Ok(Stored::new(hash, payload))
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
