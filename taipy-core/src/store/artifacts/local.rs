//! Artifacts in the store's `artifacts/` folder.
//!
//! ```text
//! artifacts/<blake3 hex>.<extension>     stored artifacts
//! artifacts/.tmp-<pid>-<n>.<extension>   being written (same file system, so the rename is atomic)
//! artifacts/quarantine/<name>.<µs>       files whose bytes did not match their name
//! ```
//!
//! `put`: fsync the written file and hash it (at once, for a large file), rename it over
//! `<hash>.<ext>` (replacing whatever is there), fsync the folder, and cache the hash as verified
//! for the new file's stamp.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{ArtifactFile, ArtifactUsage, Artifacts, Verdict};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::store::catalog::{Catalog, Write};
use crate::store::commit::lock;
use crate::store::keys::{self, Space};
use crate::store::records::now_us;
use crate::value::{
    ArtifactAccess, FileCache, Payload, Stored, fingerprint_cached, hash_file, stamp_trusted, sync_dir,
};

/// From this size on, an artifact is hashed while it is fsynced (a thread for the fsync costs
/// less than either wait).
const OVERLAPPED_BYTES: u64 = 4 << 20;

/// The file-fingerprint cache, kept in the catalog's [`Space::Files`].
pub(crate) struct CatalogFiles(pub(crate) Arc<dyn Catalog>);

impl FileCache for CatalogFiles {
    fn get(&self, path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(Space::Files, &keys::file(path))
    }

    fn put(&self, path: &Path, record: Vec<u8>) -> Result<(), StoreError> {
        self.0.commit(vec![Write { space: Space::Files, key: keys::file(path), value: Some(record) }])
    }
}

impl CatalogFiles {
    pub(super) fn forget(&self, path: &Path) -> Result<(), StoreError> {
        self.0.commit(vec![Write { space: Space::Files, key: keys::file(path), value: None }])
    }
}

pub(crate) struct LocalArtifacts {
    dir: PathBuf,
    /// `dir`, canonical (see [`Artifacts::location`]).
    #[cfg_attr(not(feature = "queue"), allow(dead_code))]
    location: String,
    files: CatalogFiles,
    next_temp: AtomicU64,
    /// Files garbage collection decided to delete (a leaf lock: renames into place and
    /// deletions of doomed files happen under it, so neither undoes the other).
    doomed: Mutex<HashSet<String>>,
}

const TEMP_PREFIX: &str = ".tmp-";
const QUARANTINE: &str = "quarantine";

impl LocalArtifacts {
    /// The artifacts in folder `dir` (created if missing), their verifications cached in
    /// `catalog`.
    pub(crate) fn open(dir: &Path, catalog: Arc<dyn Catalog>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io("cannot create artifacts folder", dir, e))?;
        let canonical = std::fs::canonicalize(dir)
            .map_err(|e| StoreError::io("cannot resolve artifacts folder", dir, e))?;
        Ok(Self {
            dir: dir.to_owned(),
            location: canonical.display().to_string(),
            files: CatalogFiles(catalog),
            next_temp: AtomicU64::new(0),
            doomed: Mutex::default(),
        })
    }

    fn path(&self, hash: &Fingerprint, extension: &str) -> PathBuf {
        self.dir.join(format!("{}.{extension}", hash.to_hex()))
    }

    fn quarantine(&self, path: &Path) -> Result<PathBuf, StoreError> {
        let folder = self.dir.join(QUARANTINE);
        std::fs::create_dir_all(&folder)
            .map_err(|e| StoreError::io("cannot create quarantine folder", &folder, e))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let target = folder.join(format!("{name}.{}", now_us()));
        std::fs::rename(path, &target).map_err(|e| StoreError::io("cannot quarantine artifact", path, e))?;
        let _ = self.files.forget(path);
        Ok(target)
    }
}

/// A new temporary file name of this process in `dir` (`counter` numbers them).
pub(super) fn temp_path(dir: &Path, counter: &AtomicU64, extension: &str) -> PathBuf {
    let n = counter.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}{n}.{extension}", own_temp_prefix()))
}

fn own_temp_prefix() -> String {
    format!("{TEMP_PREFIX}{}-", std::process::id())
}

/// Removes the temporary files in `dir` (those of this process too when `all`); returns the
/// bytes freed.
pub(super) fn remove_temporaries(dir: &Path, all: bool) -> Result<u64, StoreError> {
    let entries = std::fs::read_dir(dir).map_err(|e| StoreError::io("cannot list artifacts", dir, e))?;
    let own = own_temp_prefix();
    let mut freed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(TEMP_PREFIX) || (!all && name.starts_with(&own)) {
            continue;
        }
        let bytes = entry.metadata().map_or(0, |m| m.len());
        match std::fs::remove_file(entry.path()) {
            Ok(()) => freed += bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("cannot remove a stale temporary file", entry.path(), e)),
        }
    }
    Ok(freed)
}

/// How many temporary files `dir` holds, and their bytes.
#[cfg(feature = "s3")]
pub(super) fn temporary_usage(dir: &Path) -> (usize, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return (0, 0) };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
        .fold((0, 0), |(n, bytes), e| (n + 1, bytes + e.metadata().map_or(0, |m| m.len())))
}

/// The hash and extension of a stored artifact's file name.
pub(super) fn parse_name(name: &str) -> Option<(Fingerprint, String)> {
    let (hex, extension) = name.split_once('.')?;
    Some((Fingerprint::from_hex(hex)?, extension.to_owned()))
}

impl ArtifactAccess for LocalArtifacts {
    fn temp_path(&self, extension: &str) -> PathBuf {
        temp_path(&self.dir, &self.next_temp, extension)
    }

    fn put(&self, temp: &Path, extension: &str) -> Result<Stored, StoreError> {
        let file =
            std::fs::File::open(temp).map_err(|e| StoreError::io("cannot open written artifact", temp, e))?;
        let fsync_error = |e| StoreError::io("cannot fsync artifact", temp, e);
        let large = file.metadata().is_ok_and(|meta| meta.len() >= OVERLAPPED_BYTES);
        let hash = std::thread::scope(|scope| {
            // A large file is hashed while the disk flushes it: the hash reads it back from the
            // page cache, so the two waits overlap. Both end before the rename. (No thread to be
            // had: one after the other.)
            let sync = large.then(|| std::thread::Builder::new().spawn_scoped(scope, || file.sync_all()));
            match sync.and_then(Result::ok) {
                Some(sync) => {
                    let hash = hash_file(temp);
                    sync.join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("the fsync thread panicked")))
                        .map_err(fsync_error)?;
                    hash
                }
                None => {
                    file.sync_all().map_err(fsync_error)?;
                    hash_file(temp)
                }
            }
        })?;
        drop(file);
        crate::fault::point("artifact.synced");
        let target = self.path(&hash, extension);
        {
            // A file garbage collection doomed is wanted again: take the mark off as it lands.
            let mut doomed = lock(&self.doomed);
            if let Some(name) = target.file_name() {
                doomed.remove(&*name.to_string_lossy());
            }
            // Always replace: an existing file of this name may be damaged.
            std::fs::rename(temp, &target)
                .map_err(|e| StoreError::io("cannot rename artifact into place", &target, e))?;
        }
        sync_dir(&self.dir)?;
        crate::fault::point("artifact.renamed");
        stamp_trusted(&self.files, &target, hash)?;
        Ok(Stored::new(hash, Payload::Artifact { hash, extension: extension.to_owned() }))
    }

    fn open(&self, hash: &Fingerprint, extension: &str) -> Result<PathBuf, StoreError> {
        let path = self.path(hash, extension);
        match self.verify(hash, extension)? {
            Verdict::Intact => Ok(path),
            Verdict::Missing => Err(StoreError::io(
                "cannot read artifact",
                &path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "the artifact file is missing"),
            )),
            Verdict::Corrupt { actual, quarantined } => Err(StoreError::ArtifactCorrupt {
                file: path,
                expected: hash.to_hex(),
                actual: actual.to_hex(),
                quarantined,
            }),
        }
    }
}

impl Artifacts for LocalArtifacts {
    fn verify(&self, hash: &Fingerprint, extension: &str) -> Result<Verdict, StoreError> {
        let path = self.path(hash, extension);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => {
                let quarantined = self.quarantine(&path)?;
                return Ok(Verdict::Corrupt { actual: Fingerprint([0; 32]), quarantined });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Verdict::Missing),
            Err(e) => return Err(StoreError::io("cannot read artifact", &path, e)),
        }
        let actual = fingerprint_cached(&self.files, &path)?;
        if actual == *hash {
            return Ok(Verdict::Intact);
        }
        let quarantined = self.quarantine(&path)?;
        eprintln!(
            "taipy: artifact `{}` does not match its content hash; moved to `{}`",
            path.display(),
            quarantined.display()
        );
        Ok(Verdict::Corrupt { actual, quarantined })
    }

    fn check(&self, hash: &Fingerprint, extension: &str) -> Result<Option<bool>, StoreError> {
        let path = self.path(hash, extension);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Some(fingerprint_cached(&self.files, &path)? == *hash)),
            Ok(_) => Ok(Some(false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io("cannot read artifact", &path, e)),
        }
    }

    fn doom(&self, names: &[String]) {
        lock(&self.doomed).extend(names.iter().cloned());
    }

    fn delete_doomed(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let mut doomed = lock(&self.doomed);
        if !doomed.remove(name) {
            return Ok(None);
        }
        let path = self.dir.join(name);
        let bytes = match std::fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io("cannot read artifact", &path, e)),
        };
        std::fs::remove_file(&path).map_err(|e| StoreError::io("cannot delete artifact", &path, e))?;
        drop(doomed);
        self.files.forget(&path)?;
        Ok(Some(bytes))
    }

    fn list(&self) -> Result<Vec<ArtifactFile>, StoreError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| StoreError::io("cannot list artifacts", &self.dir, e))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io("cannot list artifacts", &self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if name.starts_with(TEMP_PREFIX) || !meta.is_file() {
                continue;
            }
            let hash = parse_name(&name).map(|(hash, _)| hash);
            out.push(ArtifactFile { name, hash, bytes: meta.len() });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn remove_stale_temporaries(&self, all: bool) -> Result<u64, StoreError> {
        remove_temporaries(&self.dir, all)
    }

    fn usage(&self) -> Result<ArtifactUsage, StoreError> {
        let mut usage = ArtifactUsage::default();
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| StoreError::io("cannot list artifacts", &self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = entry.metadata().map_or(0, |m| m.len());
            if name.starts_with(TEMP_PREFIX) {
                usage.temporary_files += 1;
                usage.temporary_bytes += bytes;
            } else if entry.metadata().is_ok_and(|m| m.is_file()) {
                usage.files += 1;
                usage.bytes += bytes;
            }
        }
        if let Ok(entries) = std::fs::read_dir(self.dir.join(QUARANTINE)) {
            for entry in entries.flatten() {
                usage.quarantined_files += 1;
                usage.quarantined_bytes += entry.metadata().map_or(0, |m| m.len());
            }
        }
        Ok(usage)
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::MemoryCatalog;

    fn artifacts() -> (tempfile::TempDir, LocalArtifacts) {
        let dir = tempfile::tempdir().unwrap();
        let artifacts =
            LocalArtifacts::open(&dir.path().join("artifacts"), Arc::new(MemoryCatalog::default())).unwrap();
        (dir, artifacts)
    }

    /// The local folder, damaged by writing its files directly.
    struct LocalFixture {
        _dir: tempfile::TempDir,
        artifacts: LocalArtifacts,
    }

    impl crate::store::artifacts::conformance::Fixture for LocalFixture {
        fn artifacts(&self) -> &dyn Artifacts {
            &self.artifacts
        }

        fn damage(&self, name: &str, bytes: &[u8]) {
            let path = self.artifacts.dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            // A minute later, so that no clock granularity hides the change from the cache.
            let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
        }

        fn leave_stale_temporary(&self, bytes: &[u8]) {
            std::fs::write(self.artifacts.dir.join(".tmp-999999999-3.bin"), bytes).unwrap();
        }
    }

    fn fixture() -> LocalFixture {
        let (_dir, artifacts) = artifacts();
        LocalFixture { _dir, artifacts }
    }

    crate::artifacts_conformance!(fixture());

    #[test]
    fn artifacts_hashed_while_fsynced_are_named_by_their_bytes() {
        let (_dir, artifacts) = artifacts();
        // Either side of the size from which the hash and the fsync overlap.
        for len in [OVERLAPPED_BYTES as usize - 1, OVERLAPPED_BYTES as usize + 4097] {
            let bytes: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let temp = artifacts.temp_path("bin");
            std::fs::write(&temp, &bytes).unwrap();
            let stored = artifacts.put(&temp, "bin").unwrap();
            let hash = crate::value::hash_bytes(&bytes);
            assert_eq!(stored.hash, hash, "{len} bytes");
            assert_eq!(std::fs::read(artifacts.path(&hash, "bin")).unwrap(), bytes);
            assert!(!temp.exists());
        }
    }
}
