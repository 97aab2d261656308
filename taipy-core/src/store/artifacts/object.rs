//! Artifacts on S3-compatible object storage (feature `s3`), through `storage::s3`'s client.
//!
//! ```text
//! s3://<bucket>/<prefix>/<blake3 hex>.<extension>        stored artifacts
//! s3://<bucket>/<prefix>/quarantine/<name>.<µs>          objects whose bytes did not match
//! <store>/artifact-cache/<blake3 hex>.<extension>        verified local copies (what `open` serves)
//! <store>/artifact-cache/.tmp-<pid>-<n>.<extension>      being written or downloaded
//! ```
//!
//! **Trust.** An object is trusted once this backend has hashed its bytes itself: after
//! uploading them, or after downloading and hashing them. It then records, in the catalog's
//! file-fingerprint space, the object's ETag and size as the server reported them *for those
//! bytes* (the PUT's or the GET's own response) beside the hash. Later, an object whose HEAD
//! shows the same ETag and size is taken as unchanged, as a local file with the same size,
//! mtime and inode is; anything else is downloaded and hashed again. The ETag is never taken
//! for a content hash (it is an MD5 on some servers, something else for multipart uploads or
//! encrypted objects): only for "not rewritten since we hashed it".
//!
//! **Put.** One PUT of the whole file, so readers see the old object or the new one. A put of
//! bytes whose object exists and is trusted (recorded ETag and size match the HEAD) uploads
//! nothing. An existing object that is not trusted is uploaded again: its content cannot be
//! known without transferring it, and a PUT transfers the same bytes and leaves the object
//! right whatever it held.
//!
//! **Open.** A HEAD tells whether the object is still the trusted one; the verified local copy
//! is then served (checked by the file cache, so a damaged local copy is downloaded again). A
//! download is hashed before it is renamed into the cache: a damaged object is never served. It
//! is copied to `quarantine/` on the server and deleted (the task that produced it re-runs).
//!
//! **Garbage collection.** As for the local folder: a put takes the doom mark off its name
//! before it looks at the object, and the deletion of a doomed object happens under the same
//! lock, so within this process a put either sees the object gone (and uploads it) or keeps it
//! from being deleted. Object storage gives no lock across processes: a put of another process
//! that finds the object present (and uploads nothing) while this process deletes it leaves a
//! version whose artifact is missing. That is never a wrong value: verification finds it
//! missing and its producer re-runs. Collect while no other process writes to keep that from
//! happening. Local copies of deleted objects are deleted with them.
//!
//! Transfers go through memory (a whole artifact per request) and a PUT is limited to 5 GB on
//! S3: multipart uploads and streamed downloads are not written yet.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::local::{CatalogFiles, parse_name, remove_temporaries, temp_path, temporary_usage};
use super::{ArtifactFile, ArtifactUsage, Artifacts, Verdict};
use crate::config::ArtifactsUrl;
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::storage::s3::{ObjectInfo, S3Bucket, S3Error, S3Settings};
use crate::store::catalog::{Catalog, Write};
use crate::store::commit::lock;
use crate::store::keys::{self, Space};
use crate::store::records::now_us;
use crate::value::{ArtifactAccess, Payload, Stored, fingerprint_cached, hash_bytes, stamp_trusted};

const QUARANTINE: &str = "quarantine";

/// What this backend verified of an object: the server's ETag and size for bytes it hashed.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Trusted {
    e_tag: String,
    size: u64,
    hash: Fingerprint,
}

pub(crate) struct ObjectArtifacts {
    bucket: S3Bucket,
    /// `s3://bucket/prefix`, for messages.
    url: String,
    /// The URL with its endpoint (see [`Artifacts::location`]).
    location: String,
    /// `""` or `a/b/`: what keys start with.
    prefix: String,
    /// The folder of verified local copies and of temporary files.
    cache: PathBuf,
    catalog: Arc<dyn Catalog>,
    files: CatalogFiles,
    next_temp: AtomicU64,
    /// Names garbage collection decided to delete (a leaf lock; see the module's documentation).
    doomed: Mutex<HashSet<String>>,
    /// PUT requests of artifacts made by this handle (the tests look).
    pub(crate) uploads: AtomicU64,
}

impl ObjectArtifacts {
    /// The artifacts at `url`, with local copies in folder `cache` (created if missing) and
    /// what was verified recorded in `catalog`. Lists the prefix once: a missing bucket, wrong
    /// credentials or an unreachable endpoint is an error here, naming the bucket and cause.
    pub(crate) fn open(
        url: &ArtifactsUrl,
        cache: &Path,
        catalog: Arc<dyn Catalog>,
    ) -> Result<Self, StoreError> {
        let mut settings = S3Settings::new(url.bucket());
        if let Some(region) =
            url.region_name().map(str::to_owned).or_else(|| std::env::var("AWS_REGION").ok())
        {
            settings = settings.region(region);
        }
        if let Some(endpoint) = url.endpoint_url() {
            settings = settings.endpoint(endpoint);
        }
        if let Some((access, secret)) = url.credential_pair() {
            settings = settings.credentials(access, secret);
        }
        let fail = |e: S3Error| StoreError::ArtifactStorage { url: url.to_string(), reason: e.to_string() };
        let bucket = S3Bucket::connect(&settings).map_err(fail)?;
        let prefix = match url.prefix() {
            "" => String::new(),
            prefix => format!("{prefix}/"),
        };
        bucket.list(&prefix).map_err(fail)?;
        std::fs::create_dir_all(cache)
            .map_err(|e| StoreError::io("cannot create artifact cache", cache, e))?;
        Ok(Self {
            bucket,
            url: url.to_string(),
            location: url.location(),
            prefix,
            cache: cache.to_owned(),
            files: CatalogFiles(Arc::clone(&catalog)),
            catalog,
            next_temp: AtomicU64::new(0),
            doomed: Mutex::default(),
            uploads: AtomicU64::new(0),
        })
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn name(hash: &Fingerprint, extension: &str) -> String {
        format!("{}.{extension}", hash.to_hex())
    }

    /// An error of the object storage, naming where the artifacts are.
    fn fail(&self, e: S3Error) -> StoreError {
        StoreError::ArtifactStorage { url: self.url.clone(), reason: e.to_string() }
    }

    fn trusted(&self, key: &str) -> Result<Option<Trusted>, StoreError> {
        let record = self.catalog.get(Space::Files, &keys::object(self.bucket.settings().bucket(), key))?;
        Ok(record.and_then(|bytes| postcard::from_bytes(&bytes).ok()))
    }

    /// Records that the object at `key`, as `info` describes it, holds bytes hashing to `hash`.
    fn trust(&self, key: &str, info: &ObjectInfo, hash: Fingerprint) -> Result<(), StoreError> {
        let Some(e_tag) = info.e_tag.clone() else { return Ok(()) };
        let record = Trusted { e_tag, size: info.size, hash };
        let value = postcard::to_allocvec(&record).map_err(|e| StoreError::Catalog {
            backend: "postcard",
            reason: format!("cannot encode a verified object record: {e}"),
        })?;
        self.catalog.commit(vec![Write {
            space: Space::Files,
            key: keys::object(self.bucket.settings().bucket(), key),
            value: Some(value),
        }])
    }

    fn distrust(&self, key: &str) -> Result<(), StoreError> {
        self.catalog.commit(vec![Write {
            space: Space::Files,
            key: keys::object(self.bucket.settings().bucket(), key),
            value: None,
        }])
    }

    /// Whether the object, as the HEAD `info` shows it, is the one trusted to hash to `hash`.
    fn is_trusted(&self, key: &str, info: &ObjectInfo, hash: &Fingerprint) -> Result<bool, StoreError> {
        Ok(match (self.trusted(key)?, &info.e_tag) {
            (Some(t), Some(e_tag)) => t.e_tag == *e_tag && t.size == info.size && t.hash == *hash,
            _ => false,
        })
    }

    /// Downloads the object and hashes it: its bytes when they match `hash` (now trusted, and
    /// kept as the local copy), else `Err(actual hash)`; `None` when the object is gone.
    fn download(
        &self,
        hash: &Fingerprint,
        extension: &str,
    ) -> Result<Option<Result<(), Fingerprint>>, StoreError> {
        let name = Self::name(hash, extension);
        let key = self.key(&name);
        let (bytes, info) = match self.bucket.get_with_info(&key) {
            Ok(got) => got,
            Err(S3Error::NoObject { .. }) => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        };
        let actual = hash_bytes(&bytes);
        if actual != *hash {
            return Ok(Some(Err(actual)));
        }
        self.trust(&key, &info, actual)?;
        let temp = self.temp_path(extension);
        std::fs::write(&temp, &bytes).map_err(|e| StoreError::io("cannot write artifact copy", &temp, e))?;
        self.keep_local_copy(&temp, &name, actual)?;
        Ok(Some(Ok(())))
    }

    /// Renames a verified temporary file into the cache as the local copy of `name`.
    fn keep_local_copy(&self, temp: &Path, name: &str, hash: Fingerprint) -> Result<(), StoreError> {
        let target = self.cache.join(name);
        std::fs::rename(temp, &target)
            .map_err(|e| StoreError::io("cannot keep artifact copy", &target, e))?;
        stamp_trusted(&self.files, &target, hash)
    }

    /// The local copy of `name`, when it is there and its bytes match.
    fn local_copy(&self, name: &str, hash: &Fingerprint) -> Result<Option<PathBuf>, StoreError> {
        let path = self.cache.join(name);
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Ok(None);
        }
        Ok((fingerprint_cached(&self.files, &path)? == *hash).then_some(path))
    }

    fn drop_local_copy(&self, name: &str) -> Result<(), StoreError> {
        let path = self.cache.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => self.files.forget(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("cannot delete artifact copy", &path, e)),
        }
    }

    /// Copies the object to `quarantine/` and deletes it; returns where it went.
    fn quarantine(&self, name: &str) -> Result<PathBuf, StoreError> {
        let key = self.key(name);
        let target = self.key(&format!("{QUARANTINE}/{name}.{}", now_us()));
        self.bucket.copy(&key, &target).map_err(|e| self.fail(e))?;
        self.bucket.delete(&key).map_err(|e| self.fail(e))?;
        self.distrust(&key)?;
        self.drop_local_copy(name)?;
        eprintln!(
            "taipy: artifact `{}/{name}` does not match its content hash; moved to `{target}`",
            self.url
        );
        Ok(PathBuf::from(format!("s3://{}/{target}", self.bucket.settings().bucket())))
    }

    /// The object's state, quarantining a damaged one when `repair`.
    fn state(&self, hash: &Fingerprint, extension: &str, repair: bool) -> Result<Verdict, StoreError> {
        let name = Self::name(hash, extension);
        let key = self.key(&name);
        let Some(info) = self.bucket.head(&key).map_err(|e| self.fail(e))? else {
            return Ok(Verdict::Missing);
        };
        if self.is_trusted(&key, &info, hash)? {
            return Ok(Verdict::Intact);
        }
        match self.download(hash, extension)? {
            None => Ok(Verdict::Missing),
            Some(Ok(())) => Ok(Verdict::Intact),
            Some(Err(actual)) if repair => {
                Ok(Verdict::Corrupt { actual, quarantined: self.quarantine(&name)? })
            }
            Some(Err(actual)) => Ok(Verdict::Corrupt { actual, quarantined: PathBuf::new() }),
        }
    }
}

impl ArtifactAccess for ObjectArtifacts {
    fn temp_path(&self, extension: &str) -> PathBuf {
        temp_path(&self.cache, &self.next_temp, extension)
    }

    fn put(&self, temp: &Path, extension: &str) -> Result<Stored, StoreError> {
        let bytes =
            std::fs::read(temp).map_err(|e| StoreError::io("cannot read written artifact", temp, e))?;
        let hash = hash_bytes(&bytes);
        let name = Self::name(&hash, extension);
        let key = self.key(&name);
        // Wanted again: take the doom mark off before looking at the object (a deletion of it
        // under way finishes first, so the HEAD below sees it gone).
        lock(&self.doomed).remove(&name);
        let present = self.bucket.head(&key).map_err(|e| self.fail(e))?;
        let trusted = match &present {
            Some(info) => self.is_trusted(&key, info, &hash)?,
            None => false,
        };
        if !trusted {
            let info = self.bucket.put(&key, bytes).map_err(|e| self.fail(e))?;
            self.uploads.fetch_add(1, Ordering::Relaxed);
            crate::fault::point("artifact.uploaded");
            self.trust(&key, &info, hash)?;
        }
        self.keep_local_copy(temp, &name, hash)?;
        Ok(Stored::new(hash, Payload::Artifact { hash, extension: extension.to_owned() }))
    }

    fn open(&self, hash: &Fingerprint, extension: &str) -> Result<PathBuf, StoreError> {
        let name = Self::name(hash, extension);
        match self.verify(hash, extension)? {
            Verdict::Intact => {}
            Verdict::Missing => {
                return Err(StoreError::ArtifactStorage {
                    url: self.url.clone(),
                    reason: format!("artifact `{name}` is missing"),
                });
            }
            Verdict::Corrupt { actual, quarantined } => {
                return Err(StoreError::ArtifactCorrupt {
                    file: PathBuf::from(format!("{}/{name}", self.url)),
                    expected: hash.to_hex(),
                    actual: actual.to_hex(),
                    quarantined,
                });
            }
        }
        if let Some(path) = self.local_copy(&name, hash)? {
            return Ok(path);
        }
        // Trusted on the server, no good local copy: download it (hashed again on the way).
        match self.download(hash, extension)? {
            Some(Ok(())) => Ok(self.cache.join(&name)),
            None => Err(StoreError::ArtifactStorage {
                url: self.url.clone(),
                reason: format!("artifact `{name}` is missing"),
            }),
            Some(Err(actual)) => Err(StoreError::ArtifactCorrupt {
                file: PathBuf::from(format!("{}/{name}", self.url)),
                expected: hash.to_hex(),
                actual: actual.to_hex(),
                quarantined: self.quarantine(&name)?,
            }),
        }
    }
}

impl Artifacts for ObjectArtifacts {
    fn verify(&self, hash: &Fingerprint, extension: &str) -> Result<Verdict, StoreError> {
        self.state(hash, extension, true)
    }

    fn check(&self, hash: &Fingerprint, extension: &str) -> Result<Option<bool>, StoreError> {
        Ok(match self.state(hash, extension, false)? {
            Verdict::Intact => Some(true),
            Verdict::Missing => None,
            Verdict::Corrupt { .. } => Some(false),
        })
    }

    fn doom(&self, names: &[String]) {
        lock(&self.doomed).extend(names.iter().cloned());
    }

    fn delete_doomed(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let mut doomed = lock(&self.doomed);
        if !doomed.remove(name) {
            return Ok(None);
        }
        let key = self.key(name);
        let Some(info) = self.bucket.head(&key).map_err(|e| self.fail(e))? else {
            return Ok(None);
        };
        self.bucket.delete(&key).map_err(|e| self.fail(e))?;
        drop(doomed);
        self.distrust(&key)?;
        self.drop_local_copy(name)?;
        Ok(Some(info.size))
    }

    fn list(&self) -> Result<Vec<ArtifactFile>, StoreError> {
        let objects = self.bucket.list(&self.prefix).map_err(|e| self.fail(e))?;
        Ok(objects
            .into_iter()
            .map(|(key, bytes)| {
                let name = key.strip_prefix(&self.prefix).unwrap_or(&key).to_owned();
                let hash = parse_name(&name).map(|(hash, _)| hash);
                ArtifactFile { name, hash, bytes }
            })
            .collect())
    }

    fn remove_stale_temporaries(&self, all: bool) -> Result<u64, StoreError> {
        remove_temporaries(&self.cache, all)
    }

    fn usage(&self) -> Result<ArtifactUsage, StoreError> {
        let stored = self.list()?;
        let quarantined = self.bucket.list(&self.key(&format!("{QUARANTINE}/"))).map_err(|e| self.fail(e))?;
        let (temporary_files, temporary_bytes) = temporary_usage(&self.cache);
        Ok(ArtifactUsage {
            files: stored.len(),
            bytes: stored.iter().map(|f| f.bytes).sum(),
            quarantined_files: quarantined.len(),
            quarantined_bytes: quarantined.iter().map(|(_, bytes)| bytes).sum(),
            temporary_files,
            temporary_bytes,
        })
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

/// The S3-compatible server the facade's S3 tests start in-process.
#[cfg(test)]
#[path = "../../../../tests/support/s3_server.rs"]
#[allow(unreachable_pub, dead_code)]
mod s3_server;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::MemoryCatalog;

    use super::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};

    /// A bucket on an S3 server of this process, damaged through another client.
    struct ObjectFixture {
        server: S3Server,
        _cache: tempfile::TempDir,
        artifacts: ObjectArtifacts,
    }

    fn url(server: &S3Server, bucket: &str) -> ArtifactsUrl {
        ArtifactsUrl::parse(&format!("s3://{bucket}/team/runs"))
            .unwrap()
            .endpoint(&server.endpoint)
            .credentials(ACCESS_KEY, SECRET_KEY)
    }

    impl ObjectFixture {
        fn other_client(&self) -> S3Bucket {
            let settings = S3Settings::new("artifacts")
                .endpoint(&self.server.endpoint)
                .credentials(ACCESS_KEY, SECRET_KEY);
            S3Bucket::connect(&settings).unwrap()
        }
    }

    impl crate::store::artifacts::conformance::Fixture for ObjectFixture {
        fn artifacts(&self) -> &dyn Artifacts {
            &self.artifacts
        }

        fn damage(&self, name: &str, bytes: &[u8]) {
            self.other_client().put(&format!("team/runs/{name}"), bytes.to_vec()).unwrap();
        }

        fn leave_stale_temporary(&self, bytes: &[u8]) {
            std::fs::write(self.artifacts.cache.join(".tmp-999999999-3.bin"), bytes).unwrap();
        }
    }

    fn fixture() -> ObjectFixture {
        let server = S3Server::start();
        server.create_bucket("artifacts");
        let cache = tempfile::tempdir().unwrap();
        let artifacts = ObjectArtifacts::open(
            &url(&server, "artifacts"),
            cache.path(),
            Arc::new(MemoryCatalog::default()),
        )
        .unwrap();
        ObjectFixture { server, _cache: cache, artifacts }
    }

    crate::artifacts_conformance!(fixture());

    fn put(artifacts: &ObjectArtifacts, bytes: &[u8]) -> Stored {
        let temp = artifacts.temp_path("bin");
        std::fs::write(&temp, bytes).unwrap();
        artifacts.put(&temp, "bin").unwrap()
    }

    #[test]
    fn a_trusted_object_is_not_uploaded_again_and_an_unknown_one_is() {
        let f = fixture();
        put(&f.artifacts, b"computed twice");
        put(&f.artifacts, b"computed twice");
        assert_eq!(f.artifacts.uploads.load(Ordering::Relaxed), 1, "the second put uploads nothing");

        // Another process with the same catalog trusts what the first verified.
        let cache = tempfile::tempdir().unwrap();
        let same_catalog = ObjectArtifacts::open(
            &url(&f.server, "artifacts"),
            cache.path(),
            Arc::clone(&f.artifacts.catalog),
        )
        .unwrap();
        put(&same_catalog, b"computed twice");
        assert_eq!(same_catalog.uploads.load(Ordering::Relaxed), 0);

        // One with a catalog of its own has not hashed the object: it uploads its bytes.
        let other = ObjectArtifacts::open(
            &url(&f.server, "artifacts"),
            cache.path(),
            Arc::new(MemoryCatalog::default()),
        )
        .unwrap();
        put(&other, b"computed twice");
        assert_eq!(other.uploads.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_damaged_local_copy_is_downloaded_again() {
        let f = fixture();
        let stored = put(&f.artifacts, b"the value");
        let path = f.artifacts.open(&stored.hash, "bin").unwrap();
        std::fs::write(&path, b"the noise").unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(later).unwrap();
        let path = f.artifacts.open(&stored.hash, "bin").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"the value");
        assert_eq!(f.artifacts.usage().unwrap().quarantined_files, 0, "the object itself is intact");
    }

    #[test]
    fn a_missing_bucket_wrong_credentials_and_no_server_are_errors_at_open() {
        let f = fixture();
        let cache = tempfile::tempdir().unwrap();
        let open = |url: ArtifactsUrl| {
            ObjectArtifacts::open(&url, cache.path(), Arc::new(MemoryCatalog::default()))
                .err()
                .expect("an error")
        };
        let missing = open(url(&f.server, "no-such-bucket")).to_string();
        assert!(
            missing.contains("s3://no-such-bucket/team/runs") && missing.contains("does not exist"),
            "{missing}"
        );
        let denied = open(url(&f.server, "artifacts").credentials(ACCESS_KEY, "wrong-secret")).to_string();
        assert!(denied.contains("denied") && !denied.contains("wrong-secret"), "{denied}");
        let unreachable = ArtifactsUrl::parse("s3://artifacts/x?endpoint=http://127.0.0.1:1")
            .unwrap()
            .credentials(ACCESS_KEY, SECRET_KEY);
        let unreachable = open(unreachable).to_string();
        assert!(unreachable.contains("127.0.0.1:1") && unreachable.contains("`artifacts`"), "{unreachable}");
    }
}
