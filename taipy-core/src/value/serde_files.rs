//! Serde values and serde rows in user-visible files: JSON and binary for any serde value;
//! CSV, Excel and Parquet for rows through [`Records`](super::records::Records).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::formats::{FileFormat, FileFormats, FileSpec, create};

/// The `file_formats`, `write_file` and `read_file` of a serde value: JSON and binary.
pub fn serde_formats() -> FileFormats {
    FileFormats::SERDE
}

/// Writes a serde value as JSON or binary.
pub fn write_serde<T: Serialize>(value: &T, spec: &FileSpec<'_>) -> Result<(), String> {
    match spec.format {
        FileFormat::Json => {
            let file = create(spec.path)?;
            serde_json::to_writer_pretty(std::io::BufWriter::new(file), value).map_err(|e| e.to_string())
        }
        FileFormat::Binary => {
            let bytes = postcard::to_extend(value, vec![BINARY_FORMAT_V1]).map_err(|e| e.to_string())?;
            std::fs::write(spec.path, bytes).map_err(|e| e.to_string())
        }
        _ => Err(spec.unsupported(std::any::type_name::<T>())),
    }
}

/// Reads a serde value from JSON or binary.
pub fn read_serde<T: DeserializeOwned>(spec: &FileSpec<'_>) -> Result<T, String> {
    match spec.format {
        FileFormat::Json => {
            let bytes = std::fs::read(spec.path).map_err(|e| e.to_string())?;
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        }
        FileFormat::Binary => {
            let bytes = std::fs::read(spec.path).map_err(|e| e.to_string())?;
            match bytes.split_first() {
                Some((&BINARY_FORMAT_V1, rest)) => postcard::from_bytes(rest).map_err(|e| e.to_string()),
                Some((other, _)) => Err(format!("not a taipy binary file (format byte {other})")),
                None => Err("the file is empty".into()),
            }
        }
        _ => Err(spec.unsupported(std::any::type_name::<T>())),
    }
}

/// The first byte of a binary file.
const BINARY_FORMAT_V1: u8 = 1;

/// Writes serde rows in any format rows can go to.
pub(crate) fn write_rows<R: Serialize + DeserializeOwned>(
    rows: &[R],
    spec: &FileSpec<'_>,
) -> Result<(), String> {
    match spec.format {
        FileFormat::Json | FileFormat::Binary => write_serde(&rows, spec),
        FileFormat::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(spec.has_header)
                .from_path(spec.path)
                .map_err(csv_error)?;
            if rows.is_empty() && spec.has_header {
                // serde gives the header with the first row only: an empty table is a header.
                let header = super::records::field_names::<R>();
                writer.write_record(&header).map_err(csv_error)?;
            }
            for row in rows {
                writer.serialize(row).map_err(csv_error)?;
            }
            writer.flush().map_err(|e| e.to_string())
        }
        FileFormat::Excel | FileFormat::Parquet => {
            let records = super::records::Records::from_serde(rows)?;
            records.write(spec)
        }
    }
}

/// Reads serde rows from any format rows can go to.
pub(crate) fn read_rows<R: DeserializeOwned>(spec: &FileSpec<'_>) -> Result<Vec<R>, String> {
    match spec.format {
        FileFormat::Json | FileFormat::Binary => read_serde(spec),
        FileFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(spec.has_header)
                .from_path(spec.path)
                .map_err(csv_error)?;
            reader.deserialize().map(|row| row.map_err(csv_error)).collect()
        }
        FileFormat::Excel | FileFormat::Parquet => super::records::Records::read(spec)?.to_serde(),
    }
}

fn csv_error(error: csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => error.to_string(),
    }
}
