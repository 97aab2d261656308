//! Content-addressed artifact files: step 1 of the commit protocol.
//!
//! An artifact is written to a temporary file in the artifacts folder, fsynced, hashed, and
//! renamed to `<blake3>.<extension>`; the folder is then fsynced so the rename is durable. A
//! reader therefore never sees a half-written artifact, and two equal values share one file.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Payload, Stored};
use crate::error::StoreError;
use crate::fingerprint::{Fingerprint, FingerprintBuilder};

pub(crate) fn artifact_path(dir: &Path, hash: &Fingerprint, extension: &str) -> PathBuf {
    dir.join(format!("{}.{extension}", hash.to_hex()))
}

/// A temporary file that becomes a content-addressed artifact when [`finish`](Self::finish)ed.
/// Dropped unfinished, it removes its temporary file.
pub struct ArtifactWriter {
    dir: PathBuf,
    temp: PathBuf,
    extension: String,
    finished: bool,
}

impl ArtifactWriter {
    pub(crate) fn create(dir: &Path, extension: &str) -> Result<Self, StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".tmp-{}-{n}.{extension}", std::process::id()));
        Ok(Self { dir: dir.to_owned(), temp, extension: extension.to_owned(), finished: false })
    }

    /// The temporary path to write the artifact's bytes to.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Makes the written file durable and content-addressed; returns how to find it again.
    pub fn finish(mut self) -> Result<Stored, StoreError> {
        let file = File::open(&self.temp)
            .map_err(|e| StoreError::io("cannot open written artifact", &self.temp, e))?;
        file.sync_all().map_err(|e| StoreError::io("cannot fsync artifact", &self.temp, e))?;
        crate::fault::point("artifact.synced");
        let hash = hash_file(&self.temp)?;
        let target = artifact_path(&self.dir, &hash, &self.extension);
        if target.exists() {
            // Same content already stored: keep the existing file.
            let _ = std::fs::remove_file(&self.temp);
        } else {
            std::fs::rename(&self.temp, &target)
                .map_err(|e| StoreError::io("cannot rename artifact into place", &target, e))?;
            sync_dir(&self.dir)?;
        }
        crate::fault::point("artifact.renamed");
        self.finished = true;
        Ok(Stored { hash, payload: Payload::Artifact { hash, extension: self.extension.clone() } })
    }
}

impl Drop for ArtifactWriter {
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
    let mut outer = FingerprintBuilder::new("taipy.file.content.v1");
    outer.field(hasher.finalize().as_bytes());
    Ok(outer.finish())
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let handle = File::open(dir).map_err(|e| StoreError::io("cannot open folder", dir, e))?;
    handle.sync_all().map_err(|e| StoreError::io("cannot fsync folder", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_content_shares_one_artifact() {
        let dir = tempfile::tempdir().unwrap();
        let mut stored = Vec::new();
        for _ in 0..2 {
            let writer = ArtifactWriter::create(dir.path(), "bin").unwrap();
            std::fs::write(writer.path(), b"same bytes").unwrap();
            stored.push(writer.finish().unwrap());
        }
        assert_eq!(stored[0], stored[1]);
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1, "one file, no temporary left behind");
    }

    #[test]
    fn an_unfinished_artifact_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        {
            let writer = ArtifactWriter::create(dir.path(), "bin").unwrap();
            std::fs::write(writer.path(), b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
