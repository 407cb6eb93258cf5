//! Where the bytes of guests' files live, through `object_store`: local files under the data
//! dir by default, an S3-compatible bucket when configured, memory in tests. Knows nothing of
//! restaurants or rows ([`crate::files`] does).

use crate::error::StoreError;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use std::sync::Arc;

/// An S3-compatible bucket.
#[derive(Clone, Debug)]
pub struct S3 {
    pub bucket: String,
    pub region: String,
    /// `https://s3.eu-central-1.amazonaws.com`, or any S3-compatible server's address.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The file store.
#[derive(Clone)]
pub struct Files {
    inner: Arc<dyn ObjectStore>,
    /// `memory`, `local` or `s3`, for logs and health.
    pub kind: &'static str,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Files({})", self.kind)
    }
}

/// A file store that fails is away for now (503 with `Retry-After`), like the database.
fn failed(e: object_store::Error) -> StoreError {
    tracing::warn!(error = %e, "file store failed");
    StoreError::Unavailable(format!("file store: {e}"))
}

impl Files {
    /// Files in memory (tests, and a store nobody configured).
    pub fn memory() -> Files {
        Files {
            inner: Arc::new(object_store::memory::InMemory::new()),
            kind: "memory",
        }
    }

    /// Files under `dir` (created when missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Files> {
        std::fs::create_dir_all(dir)?;
        Ok(Files {
            inner: Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?),
            kind: "local",
        })
    }

    /// Files in an S3-compatible bucket (path-style addresses, so any S3-compatible server
    /// works; plain HTTP only for a server on this machine).
    pub fn s3(s: &S3) -> anyhow::Result<Files> {
        let mut b = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(&s.secret_access_key)
            .with_virtual_hosted_style_request(false);
        if let Some(e) = &s.endpoint {
            let local = e.starts_with("http://127.0.0.1") || e.starts_with("http://localhost");
            b = b.with_endpoint(e).with_allow_http(local);
        }
        Ok(Files {
            inner: Arc::new(b.build()?),
            kind: "s3",
        })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(failed)
    }

    /// The bytes, or `None` when there is no such file.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.inner.get(&Path::from(key)).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(failed)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// Removes a file; one that is already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }

    /// Every key under `prefix` (the offboarding check that nothing is left).
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        use futures_util::TryStreamExt;
        let list: Vec<_> = self
            .inner
            .list(Some(&Path::from(prefix)))
            .try_collect()
            .await
            .map_err(failed)?;
        Ok(list.into_iter().map(|m| m.location.to_string()).collect())
    }
}
