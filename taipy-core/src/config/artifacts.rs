//! Where a store keeps its artifacts: [`ArtifactsUrl`], the value of
//! [`StoreOptions::artifacts`](crate::StoreOptions::artifacts) and of the TOML `[CORE]` key
//! `artifacts_url`. Absent, artifacts stay in the store's own `artifacts/` folder.

use crate::error::ConfigError;

/// Artifacts on S3-compatible object storage: `s3://bucket/prefix`, with the endpoint and
/// region as query parameters (`?endpoint=http://127.0.0.1:9000&region=eu-west-3`, no
/// percent-encoding) or builder methods. Credentials come from
/// [`credentials`](Self::credentials) or the usual `AWS_ACCESS_KEY_ID` /
/// `AWS_SECRET_ACCESS_KEY` environment variables; the region, when not given, from
/// `AWS_REGION` (else `us-east-1`), the endpoint from `AWS_ENDPOINT` (else AWS).
///
/// Opening a store with it needs taipy's `s3` feature. Its `Display` is the URL without
/// query or credentials; its `Debug` never shows the secret key.
///
/// ```
/// use taipy_core::ArtifactsUrl;
/// let url: ArtifactsUrl = "s3://team-artifacts/q3?endpoint=http://127.0.0.1:9000".parse()?;
/// assert_eq!((url.bucket(), url.prefix()), ("team-artifacts", "q3"));
/// assert_eq!(url.endpoint_url(), Some("http://127.0.0.1:9000"));
/// assert_eq!(url.to_string(), "s3://team-artifacts/q3");
/// assert!("file:///tmp/x".parse::<ArtifactsUrl>().is_err());
/// # Ok::<(), taipy_core::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ArtifactsUrl {
    bucket: String,
    prefix: String,
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<(String, String)>,
}

impl ArtifactsUrl {
    /// Reads `s3://bucket[/prefix][?endpoint=URL][&region=NAME]`. The error names the URL and
    /// what is wrong with it.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let fail = |reason: String| ConfigError::ArtifactsUrl { url: url.to_owned(), reason };
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(fail(
                "only `s3://bucket/prefix` is supported (leave it out to keep artifacts in the store's folder)"
                    .into(),
            ));
        };
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.len() < 3
            || bucket.len() > 63
            || !bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(fail(format!(
                "bucket name `{bucket}` is not valid (3 to 63 lowercase letters, digits, `-` and `.`)"
            )));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|segment| segment.is_empty() && !prefix.is_empty())
            || prefix.split('/').any(|s| s == "." || s == "..")
        {
            return Err(fail(format!("prefix `{prefix}` has an empty, `.` or `..` segment")));
        }
        let mut parsed = Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint: None,
            region: None,
            credentials: None,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("endpoint", value)) if !value.is_empty() => parsed.endpoint = Some(value.to_owned()),
                Some(("region", value)) if !value.is_empty() => parsed.region = Some(value.to_owned()),
                _ => {
                    return Err(fail(format!(
                        "unknown or empty parameter `{pair}` (endpoint=URL and region=NAME are known)"
                    )));
                }
            }
        }
        Ok(parsed)
    }

    /// This location on another S3-compatible server, e.g. `http://127.0.0.1:9000`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// This location in region `region`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The access key id and secret access key (otherwise from the environment).
    pub fn credentials(
        mut self,
        access_key: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key.into(), secret_access_key.into()));
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The prefix artifacts are kept under, without leading or trailing `/` (`""`: the
    /// bucket's root).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The endpoint, when given.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The region, when given.
    pub fn region_name(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Where the artifacts are, as workers and submitters compare it: the URL, with the
    /// endpoint when one is given (the same bucket on two servers is two places).
    pub(crate) fn location(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{self}?endpoint={}", endpoint.trim_end_matches('/')),
            None => self.to_string(),
        }
    }

    /// The credentials, when given.
    #[cfg(feature = "s3")]
    pub(crate) fn credential_pair(&self) -> Option<(&str, &str)> {
        self.credentials.as_ref().map(|(a, s)| (a.as_str(), s.as_str()))
    }
}

impl std::str::FromStr for ArtifactsUrl {
    type Err = ConfigError;

    fn from_str(url: &str) -> Result<Self, ConfigError> {
        Self::parse(url)
    }
}

impl std::fmt::Display for ArtifactsUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.prefix.as_str() {
            "" => write!(f, "s3://{}", self.bucket),
            prefix => write!(f, "s3://{}/{prefix}", self.bucket),
        }
    }
}

impl std::fmt::Debug for ArtifactsUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactsUrl")
            .field("url", &self.to_string())
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key", &self.credentials.as_ref().map(|(a, _)| a))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_with_their_parameters() {
        let url = ArtifactsUrl::parse("s3://runs/team/q3/?region=eu-west-3&endpoint=http://h:9").unwrap();
        assert_eq!((url.bucket(), url.prefix()), ("runs", "team/q3"));
        assert_eq!((url.region_name(), url.endpoint_url()), (Some("eu-west-3"), Some("http://h:9")));
        assert_eq!(ArtifactsUrl::parse("s3://runs").unwrap().prefix(), "");
        assert_eq!(url.location(), "s3://runs/team/q3?endpoint=http://h:9");
        assert_eq!(
            ArtifactsUrl::parse("s3://runs/a?endpoint=http://h:9/").unwrap().location(),
            "s3://runs/a?endpoint=http://h:9"
        );
        let secret = url.credentials("key", "very-secret");
        assert!(!format!("{secret:?}").contains("very-secret"));
    }

    #[test]
    fn bad_urls_are_named_with_what_is_wrong() {
        for (url, fault) in [
            ("/var/artifacts", "only `s3://bucket/prefix`"),
            ("s3://", "bucket name ``"),
            ("s3://Bad_Bucket/x", "bucket name `Bad_Bucket`"),
            ("s3://runs/a//b", "prefix `a//b`"),
            ("s3://runs/a/../b", "prefix `a/../b`"),
            ("s3://runs/x?colour=red", "parameter `colour=red`"),
        ] {
            let err = ArtifactsUrl::parse(url).unwrap_err().to_string();
            assert!(
                err.contains(&format!("`{url}`")) && err.contains(fault),
                "`{err}` should name `{fault}`"
            );
        }
    }
}
