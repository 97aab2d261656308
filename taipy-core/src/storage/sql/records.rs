//! [`Records`]: the rows that go in and out of a database, with their column names; conversions
//! from and to serde rows; the column types a new table gets; the content fingerprint.

use std::fmt;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::SqlError;
use crate::{Fingerprint, FingerprintBuilder};

/// Rows with named columns, each cell a scalar JSON value: null, a boolean, a number (`i64` or
/// `f64`) or a string.
///
/// This is the interchange between a database and the user's types: serde rows (`Vec<R>` of a
/// `Serialize`/`Deserialize` struct) go through [`Records::from_serde`] and
/// [`Records::to_serde`]; polars frames (feature `polars`) through `from_frame`/`to_frame`.
///
/// ```
/// use taipy_core::storage::sql::Records;
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Sale { day: String, amount: i64 }
///
/// let sales = vec![Sale { day: "mon".into(), amount: 3 }];
/// let records = Records::from_serde(&sales)?;
/// assert_eq!(records.columns(), ["day", "amount"]);
/// assert_eq!(records.to_serde::<Sale>()?, sales);
/// # Ok::<(), taipy_core::storage::sql::SqlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Records {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// The type of a column a new table is created with, inferred from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    /// `BOOLEAN` on both engines (SQLite stores 0 and 1).
    Boolean,
    /// `INTEGER` on SQLite, `BIGINT` on PostgreSQL.
    Integer,
    /// `REAL` on SQLite, `DOUBLE PRECISION` on PostgreSQL.
    Real,
    /// `TEXT` on both; also the type of a column that holds only nulls.
    Text,
}

impl Records {
    /// Rows from their column names and cells (one `Vec` per row, in column order).
    ///
    /// Fails when a row has another number of cells than there are columns, a column name is
    /// repeated, or a cell is an array or an object (SQL columns hold scalars).
    pub fn new(columns: Vec<String>, rows: Vec<Vec<Value>>) -> Result<Self, SqlError> {
        for (i, name) in columns.iter().enumerate() {
            if columns[..i].contains(name) {
                return Err(SqlError::Rows(format!("column `{name}` appears twice")));
            }
        }
        for (r, row) in rows.iter().enumerate() {
            if row.len() != columns.len() {
                return Err(SqlError::Rows(format!(
                    "row {r} has {} values for {} columns ({})",
                    row.len(),
                    columns.len(),
                    columns.join(", ")
                )));
            }
            for (cell, name) in row.iter().zip(&columns) {
                if matches!(cell, Value::Array(_) | Value::Object(_)) {
                    return Err(SqlError::Rows(format!(
                        "column `{name}` holds a nested value in row {r}; SQL columns hold scalars (null, booleans, numbers, text)"
                    )));
                }
            }
        }
        Ok(Self { columns, rows })
    }

    /// Rows from JSON objects: the columns are the first object's keys, in its order; every
    /// object must have the same keys.
    pub fn from_maps(objects: &[Value]) -> Result<Self, SqlError> {
        let mut columns: Vec<String> = Vec::new();
        let mut rows = Vec::with_capacity(objects.len());
        for (r, object) in objects.iter().enumerate() {
            let Value::Object(map) = object else {
                return Err(SqlError::Rows(format!("row {r} is not an object with named fields: {object}")));
            };
            if r == 0 {
                columns = map.keys().cloned().collect();
            }
            rows.push(row_of(map, &columns, r)?);
        }
        Self::new(columns, rows)
    }

    /// Rows from serde values, usually a struct per row: columns are the fields, in the order
    /// the struct serializes them. `Option` fields hold nulls.
    pub fn from_serde<R: Serialize>(rows: &[R]) -> Result<Self, SqlError> {
        // The text keeps the fields' order, which a `serde_json::Map` (sorted) would lose.
        let text = serde_json::to_string(rows)
            .map_err(|e| SqlError::Rows(format!("cannot serialize the rows: {e}")))?;
        let ordered: Vec<OrderedRow> = serde_json::from_str(&text)
            .map_err(|e| SqlError::Rows(format!("rows must serialize as structs or maps: {e}")))?;
        let columns: Vec<String> =
            ordered.first().map(|row| row.0.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
        let mut cells = Vec::with_capacity(ordered.len());
        for (r, row) in ordered.into_iter().enumerate() {
            let map: Map<String, Value> = row.0.into_iter().collect();
            cells.push(row_of(&map, &columns, r)?);
        }
        Self::new(columns, cells)
    }

    /// The rows as values of `R` (a serde struct with the columns as fields, usually).
    pub fn to_serde<R: DeserializeOwned>(&self) -> Result<Vec<R>, SqlError> {
        self.to_maps()
            .into_iter()
            .enumerate()
            .map(|(r, map)| {
                serde_json::from_value(Value::Object(map)).map_err(|e| SqlError::Decode {
                    target: std::any::type_name::<R>(),
                    reason: format!("row {r}: {e}"),
                })
            })
            .collect()
    }

    /// Each row as a JSON object keyed by column.
    pub fn to_maps(&self) -> Vec<Map<String, Value>> {
        self.rows.iter().map(|row| self.columns.iter().cloned().zip(row.iter().cloned()).collect()).collect()
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The rows, each in column order.
    pub fn rows(&self) -> &[Vec<Value>] {
        &self.rows
    }

    /// The content fingerprint: blake3 over the column names and a canonical encoding of each
    /// row, the rows sorted by their encoding. Row order does not count (tables are sets of
    /// rows; a query without `ORDER BY` may return them in any order); column order, names,
    /// types (`1` is not `1.0` is not `"1"`) and every value do.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut encoded: Vec<Vec<u8>> = self.rows.iter().map(|row| encode_row(row)).collect();
        encoded.sort_unstable();
        let mut fp = FingerprintBuilder::new("taipy.sql.records.v1");
        fp.u64(self.columns.len() as u64);
        for name in &self.columns {
            fp.str(name);
        }
        fp.u64(encoded.len() as u64);
        for row in &encoded {
            fp.field(row);
        }
        fp.finish()
    }

    /// The type each column gets in a new table: the type of its values, integers and floats
    /// together making a real column. Fails on a column mixing other types.
    pub(crate) fn column_types(&self) -> Result<Vec<ColumnType>, SqlError> {
        (0..self.columns.len())
            .map(|c| {
                let mut ty: Option<ColumnType> = None;
                for row in &self.rows {
                    let cell = match &row[c] {
                        Value::Null => continue,
                        Value::Bool(_) => ColumnType::Boolean,
                        Value::Number(n) if n.is_i64() || n.is_u64() => ColumnType::Integer,
                        Value::Number(_) => ColumnType::Real,
                        _ => ColumnType::Text,
                    };
                    ty = Some(match (ty, cell) {
                        (None, cell) => cell,
                        (Some(a), b) if a == b => a,
                        (
                            Some(ColumnType::Integer | ColumnType::Real),
                            ColumnType::Integer | ColumnType::Real,
                        ) => ColumnType::Real,
                        (Some(a), b) => {
                            return Err(SqlError::Rows(format!(
                                "column `{}` mixes {a:?} and {b:?} values",
                                self.columns[c]
                            )));
                        }
                    });
                }
                Ok(ty.unwrap_or(ColumnType::Text))
            })
            .collect()
    }

    /// Rows from JSON text holding an array of objects, the columns in the first object's key
    /// order (what a `json` node holds for frames and serde rows).
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, SqlError> {
        let ordered: Vec<OrderedRow> = serde_json::from_slice(bytes)
            .map_err(|e| SqlError::Rows(format!("expected an array of records: {e}")))?;
        let columns: Vec<String> =
            ordered.first().map(|row| row.0.iter().map(|(k, _)| k.clone()).collect()).unwrap_or_default();
        let mut cells = Vec::with_capacity(ordered.len());
        for (r, row) in ordered.into_iter().enumerate() {
            let map: Map<String, Value> = row.0.into_iter().collect();
            cells.push(row_of(&map, &columns, r)?);
        }
        Self::new(columns, cells)
    }

    /// The rows as JSON text: an array of objects, keys in column order.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (r, row) in self.rows.iter().enumerate() {
            out.push_str(if r == 0 { "{" } else { ",{" });
            for (c, (name, cell)) in self.columns.iter().zip(row).enumerate() {
                if c > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                out.push_str(&cell.to_string());
            }
            out.push('}');
        }
        out.push(']');
        out
    }

    /// Rows the backends built themselves (scalar cells, one per column).
    pub(crate) fn from_parts(columns: Vec<String>, rows: Vec<Vec<Value>>) -> Self {
        Self { columns, rows }
    }
}

/// One row's cells in `columns`' order, failing when the object has other keys.
fn row_of(map: &Map<String, Value>, columns: &[String], r: usize) -> Result<Vec<Value>, SqlError> {
    if map.len() != columns.len() || !columns.iter().all(|c| map.contains_key(c)) {
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        return Err(SqlError::Rows(format!(
            "row {r} has fields {}, the first row {}",
            keys.join(", "),
            columns.join(", ")
        )));
    }
    Ok(columns.iter().map(|c| map[c].clone()).collect())
}

/// A cell's canonical bytes: a tag, then a fixed-width or length-prefixed payload.
fn encode_row(row: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for cell in row {
        match cell {
            Value::Null => out.push(0),
            Value::Bool(b) => out.extend([1, u8::from(*b)]),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    out.push(2);
                    out.extend(i.to_le_bytes());
                } else if let Some(u) = n.as_u64() {
                    out.push(3);
                    out.extend(u.to_le_bytes());
                } else {
                    out.push(4);
                    out.extend(n.as_f64().unwrap_or(f64::NAN).to_bits().to_le_bytes());
                }
            }
            Value::String(s) => {
                out.push(5);
                out.extend((s.len() as u64).to_le_bytes());
                out.extend(s.as_bytes());
            }
            // `Records::new` refuses these; encoded as their text to stay total.
            other => {
                let text = other.to_string();
                out.push(6);
                out.extend((text.len() as u64).to_le_bytes());
                out.extend(text.as_bytes());
            }
        }
    }
    out
}

/// A JSON object read with its keys in their order.
struct OrderedRow(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = OrderedRow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a struct or a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedRow, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(OrderedRow(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn column_types_widen_integers_to_reals_and_refuse_other_mixes() {
        let r = Records::new(
            vec!["a".into(), "b".into(), "c".into()],
            vec![vec![json!(1), json!(null), json!(true)], vec![json!(2.5), json!(null), json!(false)]],
        )
        .unwrap();
        assert_eq!(r.column_types().unwrap(), [ColumnType::Real, ColumnType::Text, ColumnType::Boolean]);
        let mixed = Records::new(vec!["a".into()], vec![vec![json!(1)], vec![json!("x")]]).unwrap();
        assert!(mixed.column_types().unwrap_err().to_string().contains("`a`"));
    }

    #[test]
    fn the_fingerprint_tells_types_and_columns_apart() {
        let one = |v: Value| Records::new(vec!["a".into()], vec![vec![v]]).unwrap().fingerprint();
        assert_ne!(one(json!(1)), one(json!(1.0)));
        assert_ne!(one(json!(1)), one(json!("1")));
        assert_ne!(one(json!(null)), one(json!("")));
        let named = |c: &str| Records::new(vec![c.into()], vec![vec![json!(1)]]).unwrap().fingerprint();
        assert_ne!(named("a"), named("b"));
        let two = Records::new(vec!["a".into()], vec![vec![json!("x")], vec![json!("y")]]).unwrap();
        let swapped = Records::new(vec!["a".into()], vec![vec![json!("y")], vec![json!("x")]]).unwrap();
        assert_eq!(two.fingerprint(), swapped.fingerprint());
        let joined = Records::new(vec!["a".into()], vec![vec![json!("xy")]]).unwrap();
        assert_ne!(two.fingerprint(), joined.fingerprint());
    }

    #[test]
    fn json_text_keeps_the_column_order() {
        let r = Records::from_json(br#"[{"b": 1, "a": "x"}, {"b": null, "a": "y"}]"#).unwrap();
        assert_eq!(r.columns(), ["b", "a"]);
        assert_eq!(Records::from_json(r.to_json().as_bytes()).unwrap(), r);
    }

    #[test]
    fn rows_with_other_fields_are_refused() {
        let err = Records::from_maps(&[json!({"a": 1}), json!({"b": 2})]).unwrap_err();
        assert!(err.to_string().contains("row 1"), "{err}");
    }
}
