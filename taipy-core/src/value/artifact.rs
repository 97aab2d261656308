//! Writing artifacts: a value writes its bytes to a temporary file, then hands it to the store,
//! which makes it durable and content-addressed (see `store/artifacts/`).

use std::fs::File;
use std::io::Read;
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
    pub fn finish(mut self) -> Result<Stored, StoreError> {
        self.finished = true;
        let result = self.artifacts.put(&self.temp, &self.extension);
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
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
    let mut hasher = blake3::Hasher::new_derive_key("taipy.file.v1");
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
    let mut hasher = blake3::Hasher::new_derive_key("taipy.file.v1");
    hasher.update(bytes);
    finish_content_hash(hasher)
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
