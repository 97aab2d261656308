//! Artifacts: large values (Parquet frames ...) kept as files named by their content hash.
//!
//! [`Artifacts`] is what the store needs of an artifact backend: put a written file
//! (content-addressed, durable), open a stored one (verified), verify, delete, list. The local
//! folder ([`LocalArtifacts`], `local.rs`) is the default; `object.rs` keeps them on
//! S3-compatible object storage (feature `s3`, chosen by `StoreOptions::artifacts`). Both pass
//! the suite in `conformance.rs`.
//!
//! An artifact is trusted only once its bytes match its name. Verification hashes the file
//! and caches the result by path, size, modification time and inode, as for external files;
//! an artifact the store has just written and hashed is cached as verified. A file whose bytes
//! do not match is moved to `quarantine/` (kept for inspection, never served) and reported as
//! corrupt: the task that produced it re-runs ([`Reason::OutputCorrupt`]). A writer never
//! keeps an existing file in place of the one it wrote: the new file always replaces it.
//!
//! [`Reason::OutputCorrupt`]: crate::Reason::OutputCorrupt

#[cfg(test)]
pub(crate) mod conformance;
mod local;
#[cfg(feature = "s3")]
mod object;

use std::path::PathBuf;

pub(crate) use local::{CatalogFiles, LocalArtifacts};
#[cfg(feature = "s3")]
pub(crate) use object::ObjectArtifacts;

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::value::ArtifactAccess;

/// The state of a stored artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Its bytes match its hash.
    Intact,
    /// There is no such file.
    Missing,
    /// Its bytes do not match: it was moved to `quarantined`.
    Corrupt { actual: Fingerprint, quarantined: PathBuf },
}

/// One file of the artifact folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArtifactFile {
    /// Its name.
    pub(crate) name: String,
    /// The hash its name gives (`None`: a stray file, not an artifact).
    pub(crate) hash: Option<Fingerprint>,
    pub(crate) bytes: u64,
}

/// What the artifact folder takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ArtifactUsage {
    pub(crate) files: usize,
    pub(crate) bytes: u64,
    pub(crate) quarantined_files: usize,
    pub(crate) quarantined_bytes: u64,
    pub(crate) temporary_files: usize,
    pub(crate) temporary_bytes: u64,
}

/// An artifact backend. `put` and `open` come from [`ArtifactAccess`], the part values use.
pub(crate) trait Artifacts: ArtifactAccess {
    /// Checks a stored artifact's bytes against its hash; quarantines a mismatch.
    fn verify(&self, hash: &Fingerprint, extension: &str) -> Result<Verdict, StoreError>;

    /// Checks a stored artifact's bytes against its hash and changes nothing (plans look
    /// without touching): `Some(true)` intact, `Some(false)` damaged, `None` missing.
    fn check(&self, hash: &Fingerprint, extension: &str) -> Result<Option<bool>, StoreError>;

    /// Marks files of [`list`](Self::list) for deletion by
    /// [`delete_doomed`](Self::delete_doomed). A put that writes one of them meanwhile takes
    /// its mark off, atomically with its rename.
    fn doom(&self, names: &[String]);

    /// Deletes a file marked by [`doom`](Self::doom), unless a put rewrote it since; returns
    /// the bytes freed (`None`: kept, or already gone).
    fn delete_doomed(&self, name: &str) -> Result<Option<u64>, StoreError>;

    /// Every file of the artifact folder: artifacts and stray files (not temporary files of
    /// writers, nor quarantined ones).
    fn list(&self) -> Result<Vec<ArtifactFile>, StoreError>;

    /// Removes temporary files that no writer of this process owns (left by a dead process);
    /// returns how many bytes were freed.
    fn remove_stale_temporaries(&self, all: bool) -> Result<u64, StoreError>;

    /// What the artifacts take.
    fn usage(&self) -> Result<ArtifactUsage, StoreError>;

    /// Where the artifacts are, as two processes compare it to tell whether they use the same
    /// ones: the folder's canonical path, or the object storage's URL with its endpoint.
    #[cfg_attr(not(feature = "queue"), allow(dead_code))]
    fn location(&self) -> String;
}
