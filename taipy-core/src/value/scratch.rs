//! A context for computing a value's content hash without a store: artifacts are hashed in a
//! temporary folder and dropped, file fingerprints cached in memory. Config fingerprints use it
//! for defaults that have no TOML form; unit tests of values use it as their store.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{AnyValue, ArtifactAccess, FileCache, Payload, StoreCx, Stored, ValueType, hash_file};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// File fingerprints cached in memory.
#[derive(Default)]
pub(crate) struct MemoryFiles(Mutex<HashMap<PathBuf, Vec<u8>>>);

impl FileCache for MemoryFiles {
    fn get(&self, path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        Ok(self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&path).cloned())
    }

    fn put(&self, path: &Path, record: Vec<u8>) -> Result<(), StoreError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(path, record);
        Ok(())
    }
}

/// Artifacts in a folder, named by their hash, without verification (only existence) or
/// durability: what unit tests of values and content hashing need.
pub(crate) struct ScratchArtifacts {
    dir: PathBuf,
    next: AtomicU64,
}

impl ScratchArtifacts {
    pub(crate) fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned(), next: AtomicU64::new(0) }
    }

    fn path(&self, hash: &Fingerprint, extension: &str) -> PathBuf {
        self.dir.join(format!("{}.{extension}", hash.to_hex()))
    }
}

impl ArtifactAccess for ScratchArtifacts {
    fn temp_path(&self, extension: &str) -> PathBuf {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!(".tmp-scratch-{n}.{extension}"))
    }

    fn put(&self, temp: &Path, extension: &str) -> Result<Stored, StoreError> {
        let hash = hash_file(temp)?;
        let target = self.path(&hash, extension);
        std::fs::rename(temp, &target).map_err(|e| StoreError::io("cannot rename artifact", &target, e))?;
        Ok(Stored::new(hash, Payload::Artifact { hash, extension: extension.to_owned() }))
    }

    fn open(&self, hash: &Fingerprint, extension: &str) -> Result<PathBuf, StoreError> {
        let path = self.path(hash, extension);
        std::fs::metadata(&path).map_err(|e| StoreError::io("cannot read artifact", &path, e))?;
        Ok(path)
    }
}

/// A store context over a scratch folder and an in-memory file cache.
pub(crate) struct Scratch {
    _dir: tempfile::TempDir,
    artifacts: ScratchArtifacts,
    files: MemoryFiles,
}

impl Scratch {
    pub(crate) fn new() -> Result<Self, StoreError> {
        let dir = tempfile::tempdir()
            .map_err(|e| StoreError::io("cannot create a scratch folder", std::env::temp_dir(), e))?;
        let artifacts = ScratchArtifacts::new(dir.path());
        Ok(Self { _dir: dir, artifacts, files: MemoryFiles::default() })
    }

    pub(crate) fn cx(&self) -> StoreCx<'_> {
        // The default codec whatever a store says: config fingerprints must not depend on it.
        StoreCx { artifacts: &self.artifacts, files: &self.files, frame_compression: Default::default() }
    }
}

/// The content hash a store would give `value`, computed in a scratch context.
pub(crate) fn content_hash(ty: ValueType, value: &AnyValue) -> Result<Fingerprint, StoreError> {
    let scratch = Scratch::new()?;
    Ok(ty.store(value, &scratch.cx())?.hash)
}
