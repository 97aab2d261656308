//! A store's artifact folder opened without its catalog, by another process than the store's
//! owner: a queue worker reads its job's inputs from it and writes the outputs into it.
//!
//! The catalog stays the submitting process's (sled admits one process): the folder's
//! verifications and file fingerprints are cached in memory here, for the worker's life.
//! Writes follow the store's protocol (temporary file, fsync, rename to the content hash), so a
//! retried job writes the same names and a reader never sees half a file. Nothing here deletes
//! anything: garbage collection stays with the store's owner.

use std::path::Path;
use std::sync::Arc;

use super::artifacts::{CatalogFiles, LocalArtifacts};
use super::catalog::MemoryCatalog;
use crate::error::StoreError;
use crate::value::{FrameCompression, StoreCx};

/// The `artifacts/` folder of the store at a path, for a worker process.
pub(crate) struct ArtifactFolder {
    artifacts: LocalArtifacts,
    /// External files' fingerprints, cached in memory for the worker's life.
    files: CatalogFiles,
    frame_compression: FrameCompression,
}

impl ArtifactFolder {
    /// The artifacts of the store in folder `store` (its `artifacts/` subfolder, created if
    /// missing), new frames compressed with `frame_compression`.
    pub(crate) fn open(store: &Path, frame_compression: FrameCompression) -> Result<Self, StoreError> {
        let memory: Arc<dyn super::catalog::Catalog> = Arc::new(MemoryCatalog::default());
        let artifacts = LocalArtifacts::open(&store.join("artifacts"), Arc::clone(&memory))?;
        Ok(Self { artifacts, files: CatalogFiles(memory), frame_compression })
    }

    /// What values use to load and store themselves here.
    pub(crate) fn cx(&self) -> StoreCx<'_> {
        StoreCx { artifacts: &self.artifacts, files: &self.files, frame_compression: self.frame_compression }
    }
}
