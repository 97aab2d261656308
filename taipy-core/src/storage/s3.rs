//! Objects on S3-compatible storage (AWS S3, MinIO, Ceph, ...) through `object_store`: the
//! backend of the `s3_object` storage kind.
//!
//! [`S3Settings`] come from Taipy's `aws_*` keys ([`S3Settings::from_keys`]) or the builder
//! methods; [`S3Bucket::connect`] makes a client for one bucket. Its calls are blocking: the
//! module drives `object_store`'s async client on a small current-thread tokio runtime of its
//! own, so callers (tasks on rayon threads) need no runtime. Do not call it from inside an async
//! runtime's thread.
//!
//! A [`S3Bucket::put`] is one PUT request, so readers see the old object or the new one, never
//! half of it. [`S3Bucket::head`] gives the object's ETag and size, which change with any
//! rewrite: cache a content fingerprint ([`content_fingerprint`]) by ETag, as local files are
//! cached by size and modification time, to notice an object edited by another program
//! without downloading it each time.
//!
//! polars 0.55 reads `s3://` Parquet and CSV itself only with its `aws` feature, which
//! taipy-rs does not enable (it rebuilds polars with another client); frames in objects are
//! read as bytes here and parsed from memory.
//!
//! ```no_run
//! use taipy_core::storage::s3::{S3Bucket, S3Settings};
//! let settings = S3Settings::new("reports")
//!     .endpoint("http://127.0.0.1:9000")
//!     .credentials("access-key", "secret-key");
//! let bucket = S3Bucket::connect(&settings)?;
//! bucket.put("2026/q3.json", br#"{"sales": 3}"#.to_vec())?;
//! assert_eq!(bucket.get("2026/q3.json")?, br#"{"sales": 3}"#);
//! let info = bucket.head("2026/q3.json")?.expect("just written");
//! println!("{} bytes, etag {:?}", info.size, info.e_tag);
//! # Ok::<(), taipy_core::storage::s3::S3Error>(())
//! ```

use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

use crate::{Fingerprint, FingerprintBuilder};

/// The keys [`S3Settings::from_keys`] understands, as Taipy names them (plus
/// `aws_s3_endpoint_url`, Taipy's `aws_s3_client_parameters.endpoint_url` as a flat key).
pub const KEYS: &[&str] = &[
    "aws_access_key",
    "aws_secret_access_key",
    "aws_s3_bucket_name",
    "aws_s3_object_key",
    "aws_region",
    "aws_s3_endpoint_url",
    "aws_s3_client_parameters",
];

/// Errors of the object storage. Messages name the bucket and key, never the secret key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum S3Error {
    /// The settings are invalid (a missing bucket name, an unknown key ...).
    #[error("invalid S3 settings: {0}")]
    Settings(String),
    /// The bucket does not exist.
    #[error("bucket `{bucket}` does not exist at {endpoint}")]
    NoBucket {
        /// The bucket.
        bucket: String,
        /// The endpoint asked.
        endpoint: String,
    },
    /// The object does not exist.
    #[error("no object `{key}` in bucket `{bucket}`")]
    NoObject {
        /// The bucket.
        bucket: String,
        /// The object's key.
        key: String,
    },
    /// The server refused the credentials or the access.
    #[error(
        "access to object `{key}` in bucket `{bucket}` denied (check aws_access_key and aws_secret_access_key): {reason}"
    )]
    Denied {
        /// The bucket.
        bucket: String,
        /// The object's key.
        key: String,
        /// The server's message.
        reason: String,
    },
    /// Any other failure: the server unreachable, a server error ...
    #[error("cannot {action} object `{key}` in bucket `{bucket}` at {endpoint}: {reason}")]
    Request {
        /// "get", "put", "delete" ...
        action: &'static str,
        /// The bucket.
        bucket: String,
        /// The object's key.
        key: String,
        /// The endpoint asked.
        endpoint: String,
        /// The client's or server's message, with its causes.
        reason: String,
    },
}

/// Where objects are and how to reach them.
#[derive(Clone)]
pub struct S3Settings {
    bucket: String,
    region: String,
    endpoint: Option<String>,
    credentials: Option<(String, String)>,
    retries: usize,
    timeout: Duration,
}

impl S3Settings {
    /// Objects in `bucket` on AWS (region `us-east-1`, credentials from the usual `AWS_*`
    /// environment variables unless [`credentials`](Self::credentials) are given).
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            region: "us-east-1".into(),
            endpoint: None,
            credentials: None,
            retries: 3,
            timeout: Duration::from_secs(30),
        }
    }

    /// Another S3-compatible server, e.g. `http://127.0.0.1:9000` (plain HTTP is allowed when
    /// the endpoint says `http://`). Requests use path-style addressing.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The access key id and secret access key.
    pub fn credentials(
        mut self,
        access_key: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key.into(), secret_access_key.into()));
        self
    }

    /// The region (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// How many times a failed request (connection refused, server error) is retried (default
    /// 3), and how long one request may take (default 30 s).
    pub fn retries(mut self, retries: usize, timeout: Duration) -> Self {
        self.retries = retries;
        self.timeout = timeout;
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Settings and an object key from Taipy's keys (values as text): `aws_s3_bucket_name` and
    /// `aws_s3_object_key` (required), `aws_access_key`, `aws_secret_access_key`, `aws_region`,
    /// and the endpoint as `aws_s3_endpoint_url` or `aws_s3_client_parameters = { endpoint_url
    /// = "...", region_name = "..." }` (a TOML inline table, as Taipy's boto3 parameters). Any
    /// other key is an error naming it.
    ///
    /// ```
    /// use taipy_core::storage::s3::S3Settings;
    /// let (settings, key) = S3Settings::from_keys([
    ///     ("aws_s3_bucket_name", "reports"),
    ///     ("aws_s3_object_key", "q3.parquet"),
    ///     ("aws_s3_client_parameters", r#"{ endpoint_url = "http://127.0.0.1:9000" }"#),
    /// ])?;
    /// assert_eq!((settings.bucket(), key.as_str()), ("reports", "q3.parquet"));
    /// # Ok::<(), taipy_core::storage::s3::S3Error>(())
    /// ```
    pub fn from_keys<'a>(
        keys: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(Self, String), S3Error> {
        let (mut bucket, mut key, mut access, mut secret) = (None, None, None, None);
        let (mut region, mut endpoint) = (None, None);
        for (name, value) in keys {
            match name {
                "aws_s3_bucket_name" => bucket = Some(value),
                "aws_s3_object_key" => key = Some(value),
                "aws_access_key" => access = Some(value),
                "aws_secret_access_key" => secret = Some(value),
                "aws_region" => region = Some(value.to_string()),
                "aws_s3_endpoint_url" => endpoint = Some(value.to_string()),
                "aws_s3_client_parameters" => {
                    let table = inline_table(value).ok_or_else(|| {
                        S3Error::Settings(format!(
                            "aws_s3_client_parameters `{value}` is not a TOML inline table"
                        ))
                    })?;
                    for (param, v) in table {
                        let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                        match param.as_str() {
                            "endpoint_url" => endpoint = Some(text),
                            "region_name" => region = Some(text),
                            other => {
                                return Err(S3Error::Settings(format!(
                                    "aws_s3_client_parameters: unknown parameter `{other}` (endpoint_url, region_name)"
                                )));
                            }
                        }
                    }
                }
                other => {
                    return Err(S3Error::Settings(format!(
                        "unknown key `{other}`; the S3 keys are {}",
                        KEYS.join(", ")
                    )));
                }
            }
        }
        let bucket = bucket.ok_or_else(|| S3Error::Settings("aws_s3_bucket_name is missing".into()))?;
        let key = key.ok_or_else(|| S3Error::Settings("aws_s3_object_key is missing".into()))?;
        let mut settings = Self::new(bucket);
        match (access, secret) {
            (Some(a), Some(s)) => settings = settings.credentials(a, s),
            (None, None) => {}
            _ => {
                return Err(S3Error::Settings("aws_access_key and aws_secret_access_key go together".into()));
            }
        }
        if let Some(region) = region {
            settings = settings.region(region);
        }
        if let Some(endpoint) = endpoint {
            settings = settings.endpoint(endpoint);
        }
        Ok((settings, key.to_string()))
    }

    fn endpoint_text(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| format!("AWS S3 ({})", self.region))
    }
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.credentials.as_ref().map(|(a, _)| a))
            .finish_non_exhaustive()
    }
}

fn inline_table(text: &str) -> Option<toml::Table> {
    let mut outer: toml::Table = toml::from_str(&format!("v = {text}")).ok()?;
    match outer.remove("v")? {
        toml::Value::Table(table) => Some(table),
        _ => None,
    }
}

/// What a HEAD request tells about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its size in bytes.
    pub size: u64,
    /// Its ETag, which changes whenever the object is rewritten (when the server gives one).
    pub e_tag: Option<String>,
    /// Its version id, on a versioned bucket.
    pub version: Option<String>,
}

/// A client for the objects of one bucket. Blocking calls; see the module's documentation.
pub struct S3Bucket {
    settings: S3Settings,
    store: AmazonS3,
    runtime: tokio::runtime::Runtime,
}

impl S3Bucket {
    /// A client for `settings`' bucket. Makes no request: a missing bucket or wrong credentials
    /// show on the first call.
    pub fn connect(settings: &S3Settings) -> Result<Self, S3Error> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_retry(RetryConfig {
                max_retries: settings.retries,
                retry_timeout: settings.timeout,
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(settings.timeout)
                    .with_connect_timeout(Duration::from_secs(5)),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some((access, secret)) = &settings.credentials {
            builder = builder.with_access_key_id(access).with_secret_access_key(secret);
        }
        let store = builder.build().map_err(|e| S3Error::Settings(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| S3Error::Settings(format!("cannot start the S3 client's runtime: {e}")))?;
        Ok(Self { settings: settings.clone(), store, runtime })
    }

    /// The object's bytes.
    pub fn get(&self, key: &str) -> Result<Vec<u8>, S3Error> {
        let path = self.path(key)?;
        match self.runtime.block_on(async { self.store.get(&path).await?.bytes().await }) {
            Ok(bytes) => Ok(bytes.to_vec()),
            Err(e) => Err(self.missing_object_or_bucket(self.error("get", key, e), &path)),
        }
    }

    /// The object's bytes with what the same GET response says of them (size, ETag): the ETag
    /// belongs to exactly these bytes, which a HEAD before or after cannot promise.
    pub fn get_with_info(&self, key: &str) -> Result<(Vec<u8>, ObjectInfo), S3Error> {
        let path = self.path(key)?;
        let result = self.runtime.block_on(async {
            let got = self.store.get(&path).await?;
            let info = ObjectInfo {
                size: got.meta.size,
                e_tag: got.meta.e_tag.clone(),
                version: got.meta.version.clone(),
            };
            Ok::<_, object_store::Error>((got.bytes().await?, info))
        });
        match result {
            Ok((bytes, info)) => Ok((bytes.to_vec(), info)),
            Err(e) => Err(self.missing_object_or_bucket(self.error("get", key, e), &path)),
        }
    }

    /// The objects directly under `prefix` (a folder-like prefix such as `runs/` or `""`, not
    /// those under deeper `/`s), as (key, size) in key order. A missing bucket is
    /// [`S3Error::NoBucket`].
    pub fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>, S3Error> {
        let trimmed = prefix.trim_end_matches('/');
        let path = if trimmed.is_empty() { None } else { Some(self.path(trimmed)?) };
        let listed = self
            .runtime
            .block_on(self.store.list_with_delimiter(path.as_ref()))
            .map_err(|e| self.error("list", prefix, e))?;
        let mut objects: Vec<(String, u64)> =
            listed.objects.into_iter().map(|meta| (meta.location.to_string(), meta.size)).collect();
        objects.sort();
        Ok(objects)
    }

    /// Copies object `from` to `to` on the server (no bytes through this client).
    pub fn copy(&self, from: &str, to: &str) -> Result<(), S3Error> {
        let (source, target) = (self.path(from)?, self.path(to)?);
        self.runtime
            .block_on(self.store.copy(&source, &target))
            .map_err(|e| self.missing_object_or_bucket(self.error("copy", from, e), &source))
    }

    /// Where the bucket is: the endpoint, or "AWS S3 (region)".
    pub fn endpoint(&self) -> String {
        self.settings.endpoint_text()
    }

    /// Writes the object in one PUT: readers see the old bytes or the new ones.
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<ObjectInfo, S3Error> {
        let path = self.path(key)?;
        let size = bytes.len() as u64;
        let result = self
            .runtime
            .block_on(self.store.put(&path, PutPayload::from(bytes)))
            .map_err(|e| self.error("put", key, e))?;
        Ok(ObjectInfo { size, e_tag: result.e_tag, version: result.version })
    }

    /// The object's size and ETag, or `None` when it does not exist. A missing bucket is an
    /// error ([`S3Error::NoBucket`]), not a missing object.
    pub fn head(&self, key: &str) -> Result<Option<ObjectInfo>, S3Error> {
        let path = self.path(key)?;
        match self.runtime.block_on(self.store.head(&path)) {
            Ok(meta) => Ok(Some(ObjectInfo { size: meta.size, e_tag: meta.e_tag, version: meta.version })),
            Err(e) => match self.missing_object_or_bucket(self.error("head", key, e), &path) {
                S3Error::NoObject { .. } => Ok(None),
                other => Err(other),
            },
        }
    }

    /// A 404 on an object is a missing object or a missing bucket; a HEAD response has no body
    /// to tell which, and some servers answer NoSuchKey for both: a listing of the key's prefix
    /// tells (one more request, only when something is missing).
    fn missing_object_or_bucket(&self, error: S3Error, path: &Path) -> S3Error {
        let S3Error::NoObject { key, .. } = &error else { return error };
        match self.runtime.block_on(self.store.list_with_delimiter(Some(path))) {
            Err(e) => match self.error("list", key, e) {
                bucket @ S3Error::NoBucket { .. } => bucket,
                _ => error,
            },
            Ok(_) => error,
        }
    }

    /// Deletes the object (deleting a missing object is not an error, as on S3).
    pub fn delete(&self, key: &str) -> Result<(), S3Error> {
        let path = self.path(key)?;
        match self.runtime.block_on(self.store.delete(&path)) {
            Ok(()) => Ok(()),
            Err(e) => match self.error("delete", key, e) {
                S3Error::NoObject { .. } => Ok(()),
                other => Err(other),
            },
        }
    }

    /// The settings this client was made with.
    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    fn path(&self, key: &str) -> Result<Path, S3Error> {
        Path::parse(key).map_err(|e| S3Error::Settings(format!("object key `{key}` is not valid: {e}")))
    }

    /// Sorts `object_store`'s error into ours. A 404 is a missing object unless the server says
    /// the bucket is missing (S3's `NoSuchBucket` code, in the message of the response).
    fn error(&self, action: &'static str, key: &str, e: object_store::Error) -> S3Error {
        let reason = chain(&e);
        let bucket = self.settings.bucket.clone();
        let key = key.to_string();
        if reason.contains("NoSuchBucket") {
            return S3Error::NoBucket { bucket, endpoint: self.settings.endpoint_text() };
        }
        match e {
            object_store::Error::NotFound { .. } => S3Error::NoObject { bucket, key },
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                S3Error::Denied { bucket, key, reason }
            }
            _ if reason.contains("SignatureDoesNotMatch")
                || reason.contains("InvalidAccessKeyId")
                || reason.contains("AccessDenied") =>
            {
                S3Error::Denied { bucket, key, reason }
            }
            _ => S3Error::Request { action, bucket, key, endpoint: self.settings.endpoint_text(), reason },
        }
    }
}

impl std::fmt::Debug for S3Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Bucket").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// The error's message with its causes.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(&format!(": {more}"));
        }
        source = cause.source();
    }
    text
}

/// The content fingerprint of an object's bytes (blake3, domain-separated).
pub fn content_fingerprint(bytes: &[u8]) -> Fingerprint {
    FingerprintBuilder::new("taipy.s3.object.v1").field(bytes).finish()
}
