//! External files as data values: the path is stored, the content is fingerprinted.
//!
//! A file's fingerprint is the blake3 hash of its bytes. Hashing a large CSV at every submit
//! would be wasteful, so fingerprints are cached in the store by path, keyed by the file's size,
//! modification time and inode: touching a file re-hashes it (and finds the same hash, so nothing
//! re-runs); editing it changes the hash, so the tasks reading it re-run. A file modified less
//! than [`RACY_WINDOW_NS`] before it was hashed could be rewritten with the same size within the
//! same timestamp tick, so such an entry is not trusted: the file is hashed again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::artifact::hash_file;
use super::{DataValue, FileCache, Payload, StoreCx, Stored, decode_serde};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// A CSV file on disk, referenced by path. Tasks reading it re-run when its bytes change.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CsvFile {
    path: PathBuf,
}

/// A Parquet file on disk, referenced by path. Tasks reading it re-run when its bytes change.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParquetFile {
    path: PathBuf,
}

macro_rules! external_file {
    ($ty:ident) => {
        impl $ty {
            /// Refers to the file at `path` (relative paths are taken from the current folder).
            pub fn new(path: impl Into<PathBuf>) -> Self {
                Self { path: path.into() }
            }

            /// The file's path.
            pub fn path(&self) -> &Path {
                &self.path
            }
        }

        impl DataValue for $ty {
            const EXTERNAL: bool = true;

            fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
                store_path(&self.path, cx)
            }

            fn load(stored: &Stored, _cx: &StoreCx<'_>) -> Result<Self, StoreError> {
                Ok(Self { path: decode_serde(stored)? })
            }

            fn refresh(stored: &Stored, cx: &StoreCx<'_>) -> Result<Fingerprint, StoreError> {
                let path: PathBuf = decode_serde(stored)?;
                cx.file_fingerprint(&path)
            }

            /// A path: `default_data = "data/customers.csv"`.
            fn from_toml(value: &::toml::Value) -> Result<Self, String> {
                match value {
                    ::toml::Value::String(path) => Ok(Self::new(path)),
                    other => Err(format!("expected a file path, found a {}", other.type_str())),
                }
            }

            fn to_toml(&self) -> Option<::toml::Value> {
                self.path.to_str().map(|path| ::toml::Value::String(path.to_owned()))
            }
        }
    };
}

external_file!(CsvFile);
external_file!(ParquetFile);

fn store_path(path: &Path, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
    let hash = cx.file_fingerprint(path)?;
    let payload = super::encode_serde(&path.to_path_buf())?.payload;
    debug_assert!(matches!(payload, Payload::Inline(_)));
    Ok(Stored::new(hash, payload))
}

/// What the cache remembers of a file when it was hashed.
#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
pub(crate) struct FileStamp {
    size: u64,
    modified_ns: i128,
    inode: u64,
    hash: Fingerprint,
    hashed_ns: i128,
    /// Recorded by the store for an artifact it has just written and hashed itself: trusted
    /// inside the racy window too.
    #[serde(default, deserialize_with = "super::appended")]
    written_by_store: bool,
}

/// How long after its last modification a file's hash is trusted for the cache (file systems
/// with coarse timestamps can give two writes in a row the same modification time).
const RACY_WINDOW_NS: i128 = 2_000_000_000;

fn now_ns() -> i128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

fn metadata(path: &Path) -> Result<std::fs::Metadata, StoreError> {
    let meta = std::fs::metadata(path).map_err(|e| StoreError::io("cannot read data file", path, e))?;
    if !meta.is_file() {
        return Err(StoreError::io(
            "cannot read data file",
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    Ok(meta)
}

/// The content hash of the file at `path`: from the cache when its size, modification time and
/// inode are those it was hashed with (outside the racy window), else by reading it.
pub(crate) fn fingerprint_cached(files: &dyn FileCache, path: &Path) -> Result<Fingerprint, StoreError> {
    let meta = metadata(path)?;
    let stamp = stamp_of(&meta);
    if let Some(bytes) = files.get(path)?
        && let Ok(cached) = postcard::from_bytes::<FileStamp>(&bytes)
        && (cached.size, cached.modified_ns, cached.inode) == stamp
        && (cached.written_by_store || cached.hashed_ns - cached.modified_ns > RACY_WINDOW_NS)
    {
        return Ok(cached.hash);
    }
    let hashed_ns = now_ns();
    let hash = hash_file(path)?;
    remember(files, path, stamp, hash, hashed_ns, false)?;
    Ok(hash)
}

/// Records that the file at `path`, just written by the store, has content hash `hash`.
pub(crate) fn stamp_trusted(files: &dyn FileCache, path: &Path, hash: Fingerprint) -> Result<(), StoreError> {
    let stamp = stamp_of(&metadata(path)?);
    remember(files, path, stamp, hash, now_ns(), true)
}

fn remember(
    files: &dyn FileCache,
    path: &Path,
    (size, modified_ns, inode): (u64, i128, u64),
    hash: Fingerprint,
    hashed_ns: i128,
    written_by_store: bool,
) -> Result<(), StoreError> {
    let record = FileStamp { size, modified_ns, inode, hash, hashed_ns, written_by_store };
    let bytes = postcard::to_allocvec(&record)
        .map_err(|e| StoreError::Encode { type_name: "file fingerprint", reason: e.to_string() })?;
    files.put(path, bytes)
}

fn stamp_of(meta: &std::fs::Metadata) -> (u64, i128, u64) {
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    (meta.len(), modified_ns, inode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::scratch::MemoryFiles;

    fn setup() -> (tempfile::TempDir, MemoryFiles) {
        (tempfile::tempdir().unwrap(), MemoryFiles::default())
    }

    #[test]
    fn editing_changes_the_fingerprint_touching_does_not() {
        let (dir, files) = setup();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "x,y\n1,2\n").unwrap();
        let first = fingerprint_cached(&files, &path).unwrap();

        // Rewrite the same bytes under a modification time set a second later.
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, "x,y\n1,2\n").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(before + std::time::Duration::from_secs(1)).unwrap();
        assert_eq!(fingerprint_cached(&files, &path).unwrap(), first);

        std::fs::write(&path, "x,y\n1,3\n").unwrap();
        assert_ne!(fingerprint_cached(&files, &path).unwrap(), first);
    }

    #[test]
    fn a_same_size_rewrite_right_after_hashing_is_seen() {
        let (dir, files) = setup();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let first = fingerprint_cached(&files, &path).unwrap();
        // Same size, possibly the same modification time on a coarse clock.
        std::fs::write(&path, "a\n2\n").unwrap();
        assert_ne!(fingerprint_cached(&files, &path).unwrap(), first);
    }

    #[test]
    fn an_old_file_is_hashed_once() {
        let (dir, files) = setup();
        let path = dir.path().join("old.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(old).unwrap();
        let first = fingerprint_cached(&files, &path).unwrap();
        // Replace the cached hash: a trusted entry is returned without reading the file.
        let mut stamp: FileStamp = postcard::from_bytes(&files.get(&path).unwrap().unwrap()).unwrap();
        stamp.hash = Fingerprint([9; 32]);
        files.put(&path, postcard::to_allocvec(&stamp).unwrap()).unwrap();
        assert_eq!(fingerprint_cached(&files, &path).unwrap(), Fingerprint([9; 32]));
        assert_ne!(first, Fingerprint([9; 32]));
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let (dir, files) = setup();
        let path = dir.path().join("missing.csv");
        let err = fingerprint_cached(&files, &path).unwrap_err();
        assert!(err.to_string().contains("missing.csv"), "{err}");
    }

    #[test]
    fn csv_file_round_trips_and_refreshes() {
        let (dir, files) = setup();
        let artifacts = crate::value::scratch::ScratchArtifacts::new(dir.path());
        let cx = StoreCx { artifacts: &artifacts, files: &files, frame_compression: Default::default() };
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "a\n1\n").unwrap();
        let stored = CsvFile::new(&path).store(&cx).unwrap();
        assert_eq!(CsvFile::load(&stored, &cx).unwrap().path(), path);
        assert_eq!(CsvFile::refresh(&stored, &cx).unwrap(), stored.hash);
        std::fs::write(&path, "a\n2\n").unwrap();
        assert_ne!(CsvFile::refresh(&stored, &cx).unwrap(), stored.hash);
    }
}
