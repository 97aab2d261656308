//! Writing artifacts: a value writes its bytes to a temporary file, then hands it to the store,
//! which makes it durable and content-addressed (see `store/artifacts/`).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{ArtifactAccess, Stored};
use crate::error::StoreError;
use crate::fingerprint::{Fingerprint, FingerprintBuilder};

/// A temporary file that becomes a content-addressed artifact when [`finish`](Self::finish)ed.
/// Dropped unfinished, it removes its temporary file.
pub struct ArtifactWriter<'a> {
    artifacts: &'a dyn ArtifactAccess,
    temp: PathBuf,
    extension: String,
    finished: bool,
}

impl<'a> ArtifactWriter<'a> {
    pub(crate) fn new(artifacts: &'a dyn ArtifactAccess, extension: &str) -> Self {
        let temp = artifacts.temp_path(extension);
        Self { artifacts, temp, extension: extension.to_owned(), finished: false }
    }

    /// The temporary path to write the artifact's bytes to.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Makes the written file durable and content-addressed; returns how to find it again.
    pub fn finish(self) -> Result<Stored, StoreError> {
        self.finish_with(None)
    }

    /// As [`finish`](Self::finish), for a file written through a [`HashingWriter`]: `hash` is
    /// its content hash, so the store need not read the file again to compute it.
    pub(crate) fn finish_hashed(self, hash: Fingerprint) -> Result<Stored, StoreError> {
        self.finish_with(Some(hash))
    }

    fn finish_with(mut self, hash: Option<Fingerprint>) -> Result<Stored, StoreError> {
        self.finished = true;
        let result = match hash {
            Some(hash) => self.artifacts.put_hashed(&self.temp, &self.extension, hash),
            None => self.artifacts.put(&self.temp, &self.extension),
        };
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }
}

/// Writes an artifact's bytes to its temporary file and hashes them on the way, as
/// [`hash_file`] would hash the file: the store then makes it durable without reading it again
/// (an 800 MB frame is otherwise read back just to be hashed).
///
/// Bytes are gathered into blocks of [`HASHING_BLOCK`] before being hashed and written: blake3
/// hashes a large block several chunks at a time (SIMD), and the file sees few large writes.
pub(crate) struct HashingWriter {
    file: File,
    path: PathBuf,
    hasher: blake3::Hasher,
    block: Vec<u8>,
}

/// The size of the blocks a [`HashingWriter`] hashes and writes.
const HASHING_BLOCK: usize = 1 << 20;

impl HashingWriter {
    /// A new file at `path` (replacing any).
    pub(crate) fn create(path: &Path) -> Result<Self, StoreError> {
        let file = File::create(path).map_err(|e| StoreError::io("cannot create artifact", path, e))?;
        Ok(Self {
            file,
            path: path.to_owned(),
            hasher: content_hasher(),
            block: Vec::with_capacity(HASHING_BLOCK),
        })
    }

    /// Writes out what is gathered, and returns the content hash of everything written.
    pub(crate) fn finish(mut self) -> Result<Fingerprint, StoreError> {
        self.write_block().map_err(|e| StoreError::io("cannot write artifact", &self.path, e))?;
        Ok(finish_content_hash(self.hasher))
    }

    fn write_block(&mut self) -> std::io::Result<()> {
        self.hasher.update(&self.block);
        self.file.write_all(&self.block)?;
        self.block.clear();
        Ok(())
    }
}

impl Write for HashingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let room = HASHING_BLOCK - self.block.len();
        let taken = bytes.len().min(room);
        self.block.extend_from_slice(&bytes[..taken]);
        if self.block.len() == HASHING_BLOCK {
            self.write_block()?;
        }
        Ok(taken)
    }

    /// Gathered bytes stay gathered: a flush from a buffering layer above is not a reason for a
    /// small write (they are all written by [`finish`](Self::finish)).
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ArtifactWriter<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The blake3 content hash of a file, streamed in 1 MiB blocks.
pub(crate) fn hash_file(path: &Path) -> Result<Fingerprint, StoreError> {
    let mut file = File::open(path).map_err(|e| StoreError::io("cannot open file", path, e))?;
    let mut hasher = content_hasher();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| StoreError::io("cannot read file", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(finish_content_hash(hasher))
}

/// The content hash of bytes in memory: what [`hash_file`] gives for a file holding them.
#[cfg(any(test, feature = "s3"))]
pub(crate) fn hash_bytes(bytes: &[u8]) -> Fingerprint {
    let mut hasher = content_hasher();
    hasher.update(bytes);
    finish_content_hash(hasher)
}

/// The hasher of a file's bytes, before [`finish_content_hash`].
fn content_hasher() -> blake3::Hasher {
    blake3::Hasher::new_derive_key("taipy.file.v1")
}

fn finish_content_hash(hasher: blake3::Hasher) -> Fingerprint {
    let mut outer = FingerprintBuilder::new("taipy.file.content.v1");
    outer.field(hasher.finalize().as_bytes());
    outer.finish()
}

/// Makes a folder's entries (a rename into it) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let handle = File::open(dir).map_err(|e| StoreError::io("cannot open folder", dir, e))?;
    handle.sync_all().map_err(|e| StoreError::io("cannot fsync folder", dir, e))
}
