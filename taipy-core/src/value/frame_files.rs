//! polars frames in user-visible files (feature `polars`): CSV and Parquet by polars' own
//! readers and writers, JSON records and Excel through [`Records`].
//!
//! A `LazyFrame` written to Parquet runs its plan with the streaming engine straight into the
//! file, as the store's artifacts do; the other formats collect it first. Read back, a Parquet
//! file is scanned lazily; the other formats are read into memory. JSON has no NaN or infinity:
//! such floats are written as `null`.

use std::path::Path;

use polars::prelude::{
    AnyValue, Column, CsvReadOptions, CsvWriter, DataFrame, IntoLazy, LazyFrame, NamedFrom, ParquetReader,
    PlRefPath, ScanArgsParquet, SerReader, SerWriter, Series,
};
use serde_json::{Number, Value};

use super::formats::{FileFormat, FileFormats, FileSpec};
use super::parquet_files::{message, read_parquet, sink, write_parquet};
use super::records::Records;

fn write_frame(frame: &mut DataFrame, spec: &FileSpec<'_>) -> Result<(), String> {
    match spec.format {
        FileFormat::Csv => {
            let file = super::formats::create(spec.path)?;
            CsvWriter::new(std::io::BufWriter::new(file))
                .include_header(spec.has_header)
                .finish(frame)
                .map_err(message)
        }
        FileFormat::Parquet => write_parquet(frame, spec.path),
        FileFormat::Json | FileFormat::Excel => Records::from_frame(frame)?.write(spec),
        FileFormat::Binary => Err(spec.unsupported("DataFrame")),
    }
}

fn read_frame(spec: &FileSpec<'_>) -> Result<DataFrame, String> {
    match spec.format {
        FileFormat::Csv => CsvReadOptions::default()
            .with_has_header(spec.has_header)
            .try_into_reader_with_file_path(Some(spec.path.to_owned()))
            .and_then(|reader| reader.finish())
            .map_err(message),
        FileFormat::Parquet => read_parquet(spec.path),
        FileFormat::Json | FileFormat::Excel => Records::read(spec)?.to_frame(),
        FileFormat::Binary => Err(spec.unsupported("DataFrame")),
    }
}

/// The `file_formats` of frames.
pub(crate) fn frame_formats() -> FileFormats {
    FileFormats::FRAMES
}

pub(crate) fn write_data_frame(frame: &DataFrame, spec: &FileSpec<'_>) -> Result<(), String> {
    write_frame(&mut frame.clone(), spec)
}

pub(crate) fn read_data_frame(spec: &FileSpec<'_>) -> Result<DataFrame, String> {
    read_frame(spec)
}

pub(crate) fn write_lazy_frame(frame: &LazyFrame, spec: &FileSpec<'_>) -> Result<(), String> {
    match spec.format {
        FileFormat::Parquet => sink(frame.clone(), spec.path),
        _ => write_frame(&mut frame.clone().collect().map_err(message)?, spec),
    }
}

pub(crate) fn read_lazy_frame(spec: &FileSpec<'_>) -> Result<LazyFrame, String> {
    match spec.format {
        FileFormat::Parquet => {
            let source = PlRefPath::try_from_path(spec.path).map_err(message)?;
            // Fail now on a missing or unreadable file rather than when the plan runs.
            read_schema(spec.path)?;
            let args = ScanArgsParquet { glob: false, ..ScanArgsParquet::default() };
            LazyFrame::scan_parquet(source, args).map_err(message)
        }
        _ => Ok(read_frame(spec)?.lazy()),
    }
}

fn read_schema(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    ParquetReader::new(file).schema().map(|_| ()).map_err(message)
}

super::formats::holds!(DataFrame: Csv, Parquet, Json, Excel, SqlTable, Sql, S3Object);
super::formats::holds!(LazyFrame: Csv, Parquet, Json, Excel, SqlTable, Sql, S3Object);

impl Records {
    /// A frame's rows as records (slow per cell: for the small tables JSON and Excel hold).
    pub(crate) fn from_frame(frame: &DataFrame) -> Result<Self, String> {
        let columns = frame.get_column_names().into_iter().map(|c| c.to_string()).collect();
        let mut rows = Vec::with_capacity(frame.height());
        for i in 0..frame.height() {
            let row = frame.get_row(i).map_err(message)?;
            rows.push(row.0.iter().map(json_of).collect());
        }
        Ok(Self { columns, rows })
    }

    /// The records as a frame: a column of booleans, of integers, of numbers (floats) or else
    /// of strings, by the values it holds (nulls fit any).
    pub(crate) fn to_frame(&self) -> Result<DataFrame, String> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for (c, name) in self.columns.iter().enumerate() {
            let values: Vec<&Value> =
                self.rows.iter().map(|row| row.get(c).unwrap_or(&Value::Null)).collect();
            let present = || values.iter().filter(|v| !v.is_null());
            let name = name.as_str().into();
            let series = if present().all(|v| v.is_boolean()) && present().next().is_some() {
                Series::new(name, values.iter().map(|v| v.as_bool()).collect::<Vec<_>>())
            } else if present().all(|v| v.is_i64()) && present().next().is_some() {
                Series::new(name, values.iter().map(|v| v.as_i64()).collect::<Vec<_>>())
            } else if present().all(|v| v.is_number()) && present().next().is_some() {
                Series::new(name, values.iter().map(|v| v.as_f64()).collect::<Vec<_>>())
            } else {
                let text = |v: &&Value| match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                };
                Series::new(name, values.iter().map(text).collect::<Vec<_>>())
            };
            columns.push(Column::from(series));
        }
        DataFrame::new_infer_height(columns).map_err(message)
    }
}

fn json_of(value: &AnyValue<'_>) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_owned()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Float32(f) => Number::from_f64(f64::from(*f)).map_or(Value::Null, Value::Number),
        AnyValue::Float64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        other if other.is_unsigned_integer() => other.extract::<u64>().map_or(Value::Null, Value::from),
        other if other.is_integer() => other.extract::<i64>().map_or(Value::Null, Value::from),
        other => Value::String(other.to_string()),
    }
}
