//! An S3-compatible server inside the test process: s3s-fs (objects as files under a temporary
//! folder, a bucket per sub-folder) behind s3s's request handling and SigV4 authentication,
//! served over TCP on 127.0.0.1 by hyper-util on its own tokio runtime. Clients reach it as
//! they would reach S3: it is a real server, not a mock of a client.

use std::path::PathBuf;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "taipy-test";
/// The secret key the server accepts.
pub const SECRET_KEY: &str = "taipy-test-secret";

/// A running server; stops when dropped.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    root: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl S3Server {
    /// Starts a server on a free port.
    pub fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let mut builder = S3ServiceBuilder::new(s3s_fs::FileSystem::new(root.path()).unwrap());
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        runtime.spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Self { endpoint, root, _runtime: runtime }
    }

    /// Creates a bucket (a folder, as s3s-fs keeps them).
    pub fn create_bucket(&self, bucket: &str) {
        std::fs::create_dir(self.root.path().join(bucket)).unwrap();
    }

    /// The file holding an object, to change it behind the server's back.
    #[allow(dead_code)]
    pub fn object_file(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.path().join(bucket).join(key)
    }
}
