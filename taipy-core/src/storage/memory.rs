//! `in_memory` nodes: values kept in this process only.
//!
//! The store records the value's content hash (computed as the store would encode it, in a
//! scratch folder) and a token naming the value in this process's table. Another process, or
//! this one after the table entry is gone, finds no value: reading is an error, and the
//! producer's remembered result is not restorable, so it re-runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::value::{AnyValue, Stored, ValueType, decode_serde, encode_serde};

/// The token of a value: this process's id, its start time and a counter, so a token never
/// names a value of another process.
type Token = (u32, u128, u64);

fn table() -> &'static Mutex<HashMap<Token, AnyValue>> {
    static TABLE: OnceLock<Mutex<HashMap<Token, AnyValue>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

fn process_start() -> u128 {
    static START: OnceLock<u128> = OnceLock::new();
    *START.get_or_init(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
    })
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<Token, AnyValue>> {
    table().lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(super) fn store(ty: ValueType, value: &AnyValue) -> Result<Stored, StoreError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let hash = crate::value::scratch::content_hash(ty, value)?;
    let token: Token = (std::process::id(), process_start(), NEXT.fetch_add(1, Ordering::Relaxed));
    lock().insert(token, value.clone());
    Ok(Stored { hash, ..encode_serde(&token)? })
}

pub(super) fn load(stored: &Stored) -> Result<AnyValue, StoreError> {
    let token: Token = decode_serde(stored)?;
    lock().get(&token).cloned().ok_or(StoreError::InMemoryGone)
}

/// The recorded hash while this process holds the value; an error once it does not (so the
/// producer's remembered result is missing and it re-runs).
pub(super) fn refresh(stored: &Stored) -> Result<Fingerprint, StoreError> {
    let token: Token = decode_serde(stored)?;
    if lock().contains_key(&token) { Ok(stored.hash) } else { Err(StoreError::InMemoryGone) }
}

/// A value of the table as an owned `T`, for a typed read: the value is encoded as the store
/// would and decoded again, in a scratch folder that lives as long as the process (a lazy
/// frame read this way scans a file of that folder).
pub(crate) fn owned<T: crate::DataValue>(shared: &AnyValue, ty: ValueType) -> Result<T, StoreError> {
    static SCRATCH: OnceLock<crate::value::scratch::Scratch> = OnceLock::new();
    let scratch = match SCRATCH.get() {
        Some(scratch) => scratch,
        None => {
            let _ = SCRATCH.set(crate::value::scratch::Scratch::new()?);
            SCRATCH.get().expect("just set")
        }
    };
    let stored = ty.store(shared, &scratch.cx())?;
    T::load(&stored, &scratch.cx())
}

/// Forgets every value of this process's table, as a new process would find it (tests).
pub fn forget_all() {
    lock().clear();
}
