//! polars frames in and out of SQL (features `sql` + `polars`): a frame becomes [`Records`]
//! column by column, and records become a frame with one typed column each.
//!
//! Frame to rows: integer columns (any width, signed or not, that fits `i64`) write as integers,
//! floats as reals, booleans, strings; dates, times and other scalar types are written as their
//! text (polars' cast to `String`). Nested columns (lists, structs) are refused naming the column.
//! Rows to frame: booleans → `Boolean`, integers → `Int64`, reals (or integers and reals mixed)
//! → `Float64`, text and all-null columns → `String`.

use polars::prelude::{Column, DataFrame, DataType, NamedFrom, Series};
use serde_json::{Number, Value};

use super::SqlError;
use super::records::{ColumnType, Records};

impl Records {
    /// The rows of a polars frame (feature `polars`), its columns in order.
    ///
    /// ```
    /// use taipy_core::polars::prelude::*;
    /// use taipy_core::storage::sql::Records;
    /// let frame = df!("day" => ["mon", "tue"], "sales" => [3i64, 5])?;
    /// let records = Records::from_frame(&frame)?;
    /// assert_eq!(records.columns(), ["day", "sales"]);
    /// assert_eq!(records.to_frame()?, frame);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_frame(frame: &DataFrame) -> Result<Self, SqlError> {
        let height = frame.height();
        let mut columns = Vec::with_capacity(frame.width());
        let mut cells: Vec<Vec<Value>> = Vec::with_capacity(frame.width());
        for column in frame.columns() {
            let name = column.name().to_string();
            let series = column.as_materialized_series();
            let fail = |e: polars::error::PolarsError| SqlError::Rows(format!("column `{name}`: {e}"));
            let values: Vec<Value> = match series.dtype() {
                DataType::Boolean => {
                    series.bool().map_err(fail)?.iter().map(|v| v.map_or(Value::Null, Value::Bool)).collect()
                }
                dtype if dtype.is_integer() => {
                    let cast = series.cast(&DataType::Int64).map_err(fail)?;
                    if cast.null_count() != series.null_count() {
                        return Err(SqlError::Rows(format!(
                            "column `{name}` holds integers beyond the 64-bit range"
                        )));
                    }
                    cast.i64().map_err(fail)?.iter().map(|v| v.map_or(Value::Null, Value::from)).collect()
                }
                dtype if dtype.is_float() => {
                    let cast = series.cast(&DataType::Float64).map_err(fail)?;
                    cast.f64()
                        .map_err(fail)?
                        .iter()
                        .map(|v| v.and_then(Number::from_f64).map_or(Value::Null, Value::Number))
                        .collect()
                }
                DataType::List(_) | DataType::Struct(_) | DataType::Null | DataType::Unknown(_) => {
                    return Err(SqlError::Rows(format!(
                        "column `{name}` has type {}, which SQL columns do not hold",
                        series.dtype()
                    )));
                }
                _ => {
                    let cast = series.cast(&DataType::String).map_err(fail)?;
                    cast.str()
                        .map_err(fail)?
                        .iter()
                        .map(|v| v.map_or(Value::Null, |s| Value::String(s.into())))
                        .collect()
                }
            };
            columns.push(name);
            cells.push(values);
        }
        let rows = (0..height).map(|r| cells.iter().map(|column| column[r].clone()).collect()).collect();
        Records::new(columns, rows)
    }

    /// The rows as a polars frame (feature `polars`): one column per record column, typed as the
    /// module documentation says.
    pub fn to_frame(&self) -> Result<DataFrame, SqlError> {
        let types = self.column_types()?;
        let mut columns = Vec::with_capacity(types.len());
        for (c, (name, ty)) in self.columns().iter().zip(types).enumerate() {
            let cells = self.rows().iter().map(|row| &row[c]);
            let series = match ty {
                ColumnType::Boolean => {
                    Series::new(name.into(), cells.map(Value::as_bool).collect::<Vec<_>>())
                }
                ColumnType::Integer => Series::new(name.into(), cells.map(Value::as_i64).collect::<Vec<_>>()),
                ColumnType::Real => Series::new(name.into(), cells.map(Value::as_f64).collect::<Vec<_>>()),
                ColumnType::Text => Series::new(
                    name.into(),
                    cells.map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>(),
                ),
            };
            columns.push(Column::from(series));
        }
        DataFrame::new(self.rows().len(), columns)
            .map_err(|e| SqlError::Rows(format!("cannot make a frame: {e}")))
    }
}
