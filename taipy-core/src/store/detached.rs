//! A store's artifacts opened without its catalog, by another process than the store's owner:
//! a queue worker reads its job's inputs from them and writes the outputs into them.
//!
//! The backend is the one the store uses: its `artifacts/` folder, or object storage
//! ([`ArtifactsUrl`]) with verified local copies in this process's own `artifact-cache/`. The
//! catalog stays the submitting process's (sled admits one process): what the backend verified
//! (files' fingerprints, trusted objects) is cached in memory here, for the worker's life.
//! Writes follow the store's protocol (temporary file, fsync, rename to the content hash; one
//! PUT of the whole object), so a retried job writes the same names and a reader never sees
//! half a file. Nothing here deletes anything: garbage collection stays with the store's owner.

use std::path::Path;
use std::sync::Arc;

use super::artifacts::{Artifacts, CatalogFiles, LocalArtifacts};
use super::catalog::{Catalog, MemoryCatalog};
use crate::config::ArtifactsUrl;
use crate::error::StoreError;
use crate::value::{FrameCompression, StoreCx};

/// The artifacts of a store, for a worker process.
pub(crate) struct DetachedArtifacts {
    artifacts: Box<dyn Artifacts>,
    /// External files' fingerprints, cached in memory for the worker's life.
    files: CatalogFiles,
    frame_compression: FrameCompression,
}

impl DetachedArtifacts {
    /// The artifacts kept at `url`, or (`None`) those of the store in folder `folder` (its
    /// `artifacts/` subfolder, created if missing); with `url`, `folder` holds the verified
    /// local copies (`artifact-cache/`). New frames are compressed with `frame_compression`.
    pub(crate) fn open(
        folder: &Path,
        url: Option<&ArtifactsUrl>,
        frame_compression: FrameCompression,
    ) -> Result<Self, StoreError> {
        let memory: Arc<dyn Catalog> = Arc::new(MemoryCatalog::default());
        let artifacts: Box<dyn Artifacts> = match url {
            None => Box::new(LocalArtifacts::open(&folder.join("artifacts"), Arc::clone(&memory))?),
            #[cfg(feature = "s3")]
            Some(url) => Box::new(super::artifacts::ObjectArtifacts::open(
                url,
                &folder.join("artifact-cache"),
                Arc::clone(&memory),
            )?),
            #[cfg(not(feature = "s3"))]
            Some(url) => {
                return Err(StoreError::InvalidOptions(Box::new(crate::error::ConfigError::ArtifactsUrl {
                    url: url.to_string(),
                    reason: "this taipy was built without its `s3` feature".into(),
                })));
            }
        };
        Ok(Self { artifacts, files: CatalogFiles(memory), frame_compression })
    }

    /// Where the artifacts are, as the submitting store names them in its jobs.
    pub(crate) fn location(&self) -> String {
        self.artifacts.location()
    }

    /// What values use to load and store themselves here.
    pub(crate) fn cx(&self) -> StoreCx<'_> {
        StoreCx { artifacts: &*self.artifacts, files: &self.files, frame_compression: self.frame_compression }
    }
}
