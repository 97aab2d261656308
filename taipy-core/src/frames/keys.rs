//! Floats as 64-bit keys that order as the floats do: the passes count and compare keys.

/// A float's key: unsigned integers in the order of the floats (`-0.0` before `0.0`).
pub(super) const fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// The float whose key is `key`.
pub(super) fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}
