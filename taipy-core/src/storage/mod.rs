//! Data kept where other tools can read it: SQL databases and S3-compatible object storage.
//!
//! These are the backends of the `sql_table`, `sql` and `s3_object` storage kinds, usable on
//! their own too: each reads and writes one location, writes it atomically (one transaction, one
//! put), and gives a content fingerprint of what is there now, so that a value edited by another
//! program is noticed.
//!
//! - [`sql`] (feature `sql`; `postgres` adds PostgreSQL): tables and queries on SQLite and
//!   PostgreSQL, as [`sql::Records`] (rows of serde values) or polars frames.
//! - [`s3`] (feature `s3`): objects on S3-compatible storage.

#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "sql")]
pub mod sql;
