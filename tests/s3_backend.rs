//! The object storage (`taipy::storage::s3`) against a real S3-compatible server started in the
//! test process (tests/support/s3_server.rs), through object_store's AWS client.

#[path = "support/s3_server.rs"]
#[allow(unreachable_pub)]
mod s3_server;

use std::time::Duration;

use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use taipy::storage::s3::{S3Bucket, S3Error, S3Settings, content_fingerprint};

fn settings(server: &S3Server, bucket: &str) -> S3Settings {
    S3Settings::new(bucket).endpoint(&server.endpoint).credentials(ACCESS_KEY, SECRET_KEY)
}

#[test]
fn put_get_head_delete_round_trip() {
    let server = S3Server::start();
    server.create_bucket("reports");
    let bucket = S3Bucket::connect(&settings(&server, "reports")).unwrap();
    let written = bucket.put("q3/scores.json", b"[1,2,3]".to_vec()).unwrap();
    assert_eq!(bucket.get("q3/scores.json").unwrap(), b"[1,2,3]");
    let head = bucket.head("q3/scores.json").unwrap().expect("the object exists");
    assert_eq!(head.size, 7);
    assert!(head.e_tag.is_some(), "the server gives an ETag");
    assert_eq!(head.e_tag, written.e_tag, "put reports the ETag head sees");

    bucket.put("q3/scores.json", b"[1,2,4]".to_vec()).unwrap();
    let rewritten = bucket.head("q3/scores.json").unwrap().unwrap();
    assert_ne!(rewritten.e_tag, head.e_tag, "a rewrite changes the ETag");
    assert_eq!(bucket.get("q3/scores.json").unwrap(), b"[1,2,4]");

    bucket.delete("q3/scores.json").unwrap();
    assert_eq!(bucket.head("q3/scores.json").unwrap(), None, "deleted");
    bucket.delete("q3/scores.json").unwrap();
}

#[test]
fn an_object_edited_outside_has_another_etag_and_fingerprint() {
    let server = S3Server::start();
    server.create_bucket("data");
    let bucket = S3Bucket::connect(&settings(&server, "data")).unwrap();
    bucket.put("frame.csv", b"a,b\n1,2\n".to_vec()).unwrap();
    let before = bucket.head("frame.csv").unwrap().unwrap();
    let fingerprint = content_fingerprint(&bucket.get("frame.csv").unwrap());
    assert_eq!(bucket.head("frame.csv").unwrap().unwrap(), before, "nothing changed");
    assert_eq!(content_fingerprint(&bucket.get("frame.csv").unwrap()), fingerprint);

    // Another client writes the object.
    let other = S3Bucket::connect(&settings(&server, "data")).unwrap();
    other.put("frame.csv", b"a,b\n1,3\n".to_vec()).unwrap();
    assert_ne!(bucket.head("frame.csv").unwrap().unwrap().e_tag, before.e_tag);
    assert_ne!(content_fingerprint(&bucket.get("frame.csv").unwrap()), fingerprint);
}

#[test]
fn a_missing_object_names_bucket_and_key() {
    let server = S3Server::start();
    server.create_bucket("data");
    let bucket = S3Bucket::connect(&settings(&server, "data")).unwrap();
    let err = bucket.get("nothing/here.parquet").unwrap_err();
    assert!(matches!(err, S3Error::NoObject { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("`nothing/here.parquet`") && message.contains("`data`"), "{message}");
}

#[test]
fn a_missing_bucket_is_named() {
    let server = S3Server::start();
    let bucket = S3Bucket::connect(&settings(&server, "no-such-bucket")).unwrap();
    // (s3s-fs creates a missing bucket on a put, where S3 answers NoSuchBucket as for a get.)
    for err in [bucket.get("k").unwrap_err(), bucket.head("k").unwrap_err()] {
        assert!(matches!(err, S3Error::NoBucket { .. }), "{err:?}");
        assert!(err.to_string().contains("no-such-bucket"), "{err}");
    }
}

#[test]
fn wrong_credentials_are_denied_without_showing_the_secret() {
    let server = S3Server::start();
    server.create_bucket("data");
    let wrong = S3Settings::new("data").endpoint(&server.endpoint).credentials(ACCESS_KEY, "not-the-secret");
    let err = S3Bucket::connect(&wrong).unwrap().put("k", b"x".to_vec()).unwrap_err();
    assert!(matches!(err, S3Error::Denied { .. }), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");
    assert!(!format!("{wrong:?}").contains("not-the-secret"));
}

#[test]
fn an_unreachable_server_is_named() {
    let settings = S3Settings::new("data")
        .endpoint("http://127.0.0.1:1")
        .credentials(ACCESS_KEY, SECRET_KEY)
        .retries(0, Duration::from_secs(5));
    let err = S3Bucket::connect(&settings).unwrap().get("k").unwrap_err();
    assert!(matches!(err, S3Error::Request { .. }), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[test]
fn settings_from_taipys_keys() {
    let server = S3Server::start();
    server.create_bucket("reports");
    let endpoint = format!("{{ endpoint_url = \"{}\" }}", server.endpoint);
    let (settings, key) = S3Settings::from_keys([
        ("aws_access_key", ACCESS_KEY),
        ("aws_secret_access_key", SECRET_KEY),
        ("aws_s3_bucket_name", "reports"),
        ("aws_s3_object_key", "out.bin"),
        ("aws_region", "eu-west-3"),
        ("aws_s3_client_parameters", endpoint.as_str()),
    ])
    .unwrap();
    let bucket = S3Bucket::connect(&settings).unwrap();
    bucket.put(&key, vec![1, 2, 3]).unwrap();
    assert_eq!(bucket.get("out.bin").unwrap(), [1, 2, 3]);

    for (keys, fault) in [
        (vec![("aws_s3_object_key", "k")], "aws_s3_bucket_name"),
        (vec![("aws_s3_bucket_name", "b")], "aws_s3_object_key"),
        (vec![("aws_s3_bucket_name", "b"), ("aws_s3_object_key", "k"), ("aws_colour", "red")], "aws_colour"),
        (
            vec![("aws_s3_bucket_name", "b"), ("aws_s3_object_key", "k"), ("aws_access_key", "a")],
            "aws_secret_access_key",
        ),
    ] {
        let err = S3Settings::from_keys(keys).unwrap_err().to_string();
        assert!(err.contains(fault), "`{err}` should name `{fault}`");
    }
}
