//! Tables as records: named columns and rows of JSON values, the common form through which
//! serde rows reach Excel and Parquet, and frames reach JSON and Excel.

use serde::Serialize;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::formats::{FileFormat, FileSpec};

/// A table: column names, and rows with one value per column (missing values are `null`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Records {
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Vec<Value>>,
}

/// A JSON object with its keys in the order they were written.
struct Ordered(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a record (an object of column values)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// The field names of a serde struct `R`, in declaration order (for the header of an empty
/// table); empty when `R` is not a struct.
pub(crate) fn field_names<R: DeserializeOwned>() -> Vec<String> {
    use serde_reflection::{ContainerFormat, Format, Tracer, TracerConfig};
    let mut tracer = Tracer::new(TracerConfig::default());
    let Ok((Format::TypeName(name), _)) = tracer.trace_simple_type::<R>() else { return Vec::new() };
    let Ok(registry) = tracer.registry() else { return Vec::new() };
    match registry.get(&name) {
        Some(ContainerFormat::Struct(fields)) => fields.iter().map(|f| f.name.clone()).collect(),
        _ => Vec::new(),
    }
}

impl Records {
    fn from_objects(objects: Vec<Ordered>) -> Self {
        let mut columns: Vec<String> = Vec::new();
        for object in &objects {
            for (key, _) in &object.0 {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        let rows = objects
            .into_iter()
            .map(|Ordered(mut entries)| {
                columns
                    .iter()
                    .map(|c| match entries.iter().position(|(k, _)| k == c) {
                        Some(i) => entries.swap_remove(i).1,
                        None => Value::Null,
                    })
                    .collect()
            })
            .collect();
        Self { columns, rows }
    }

    /// Serde rows, each a struct (or a map) of column values.
    pub(crate) fn from_serde<R: Serialize + DeserializeOwned>(rows: &[R]) -> Result<Self, String> {
        let mut objects = Vec::with_capacity(rows.len());
        for row in rows {
            let text = serde_json::to_string(row).map_err(|e| e.to_string())?;
            let object = serde_json::from_str::<Ordered>(&text).map_err(|_| {
                format!("a row of `{}` is not a record of columns", std::any::type_name::<R>())
            })?;
            objects.push(object);
        }
        let mut records = Self::from_objects(objects);
        if records.columns.is_empty() {
            records.columns = field_names::<R>();
        }
        Ok(records)
    }

    /// The rows as serde values. A whole float is given as an integer (spreadsheets keep every
    /// number as a float): serde reads an integer into a float field, not the other way round.
    pub(crate) fn to_serde<R: DeserializeOwned>(&self) -> Result<Vec<R>, String> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let object: Map<String, Value> =
                    self.columns.iter().cloned().zip(row.iter().map(whole_as_integer)).collect();
                serde_json::from_value(Value::Object(object)).map_err(|e| format!("row {}: {e}", i + 1))
            })
            .collect()
    }

    /// JSON text: an array of records, keys in column order.
    fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, row) in self.rows.iter().enumerate() {
            out.push_str(if i == 0 { "\n  {" } else { ",\n  {" });
            for (j, (column, value)) in self.columns.iter().zip(row).enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(column.clone()).to_string());
                out.push_str(": ");
                out.push_str(&value.to_string());
            }
            out.push('}');
        }
        out.push_str(if self.rows.is_empty() { "]\n" } else { "\n]\n" });
        out
    }

    /// Writes the table in `spec`'s format (JSON, Excel, or Parquet with the polars feature).
    pub(crate) fn write(&self, spec: &FileSpec<'_>) -> Result<(), String> {
        match spec.format {
            FileFormat::Json => std::fs::write(spec.path, self.to_json()).map_err(|e| e.to_string()),
            FileFormat::Excel => self.write_xlsx(spec),
            #[cfg(feature = "polars")]
            FileFormat::Parquet => super::parquet_files::write_parquet(&mut self.to_frame()?, spec.path),
            _ => Err(format!("a table cannot be written as {} here", spec.format.name())),
        }
    }

    /// Reads a table from `spec`'s format (JSON, Excel, or Parquet with the polars feature).
    pub(crate) fn read(spec: &FileSpec<'_>) -> Result<Self, String> {
        match spec.format {
            FileFormat::Json => {
                let bytes = std::fs::read(spec.path).map_err(|e| e.to_string())?;
                let objects: Vec<Ordered> = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("expected an array of records: {e}"))?;
                Ok(Self::from_objects(objects))
            }
            FileFormat::Excel => Self::read_xlsx(spec),
            #[cfg(feature = "polars")]
            FileFormat::Parquet => Self::from_frame(&super::parquet_files::read_parquet(spec.path)?),
            _ => Err(format!("a table cannot be read from {} here", spec.format.name())),
        }
    }

    fn write_xlsx(&self, spec: &FileSpec<'_>) -> Result<(), String> {
        use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
        let error = |e: rust_xlsxwriter::XlsxError| e.to_string();
        let mut workbook = Workbook::new();
        // A fixed creation time: equal tables give equal bytes, so equal content hashes.
        let epoch = ExcelDateTime::from_ymd(2000, 1, 1).map_err(error)?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
        let sheet = workbook.add_worksheet();
        sheet.set_name(spec.sheet_name.unwrap_or("Sheet1")).map_err(error)?;
        for (c, column) in self.columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| "too many columns for a sheet".to_owned())?;
            sheet.write_string(0, c, column).map_err(error)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| "too many rows for a sheet".to_owned())?;
            for (c, value) in row.iter().enumerate() {
                let c = c as u16;
                match value {
                    Value::Null => {}
                    Value::Bool(b) => {
                        sheet.write_boolean(r, c, *b).map_err(error)?;
                    }
                    Value::Number(n) => {
                        sheet.write_number(r, c, n.as_f64().unwrap_or(f64::NAN)).map_err(error)?;
                    }
                    Value::String(s) => {
                        sheet.write_string(r, c, s).map_err(error)?;
                    }
                    other => {
                        sheet.write_string(r, c, other.to_string()).map_err(error)?;
                    }
                }
            }
        }
        workbook.save(spec.path).map_err(error)
    }

    fn read_xlsx(spec: &FileSpec<'_>) -> Result<Self, String> {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let mut workbook: Xlsx<_> =
            open_workbook(spec.path).map_err(|e: calamine::XlsxError| e.to_string())?;
        let names = workbook.sheet_names();
        let sheet = match spec.sheet_name {
            Some(name) if names.iter().any(|n| n == name) => name.to_owned(),
            Some(name) => {
                return Err(format!("the workbook has no sheet `{name}`; sheets: {}", names.join(", ")));
            }
            None => names.first().cloned().ok_or("the workbook has no sheet")?,
        };
        let range = workbook.worksheet_range(&sheet).map_err(|e| e.to_string())?;
        let mut rows = range.rows();
        let columns: Vec<String> = match rows.next() {
            Some(header) => header.iter().map(|cell| cell.to_string()).collect(),
            None => return Ok(Self::default()),
        };
        let rows = rows
            .map(|row| {
                let mut values: Vec<Value> = row
                    .iter()
                    .map(|cell| match cell {
                        Data::Empty => Value::Null,
                        Data::Int(i) => Value::from(*i),
                        Data::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
                        Data::Bool(b) => Value::Bool(*b),
                        Data::String(s) => Value::String(s.clone()),
                        other => Value::String(other.to_string()),
                    })
                    .collect();
                values.resize(columns.len(), Value::Null);
                values
            })
            .collect();
        Ok(Self { columns, rows })
    }
}

fn whole_as_integer(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Row {
        name: String,
        score: f64,
        count: i64,
    }

    fn rows() -> Vec<Row> {
        vec![Row { name: "a".into(), score: 1.5, count: 2 }, Row { name: "b".into(), score: 3.0, count: 4 }]
    }

    #[test]
    fn rows_keep_their_field_order() {
        let records = Records::from_serde(&rows()).unwrap();
        assert_eq!(records.columns, ["name", "score", "count"]);
        assert_eq!(records.to_serde::<Row>().unwrap(), rows());
        assert_eq!(Records::from_serde::<Row>(&[]).unwrap().columns, ["name", "score", "count"]);
    }

    #[test]
    fn json_and_excel_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let records = Records::from_serde(&rows()).unwrap();
        for (format, name) in [(FileFormat::Json, "t.json"), (FileFormat::Excel, "t.xlsx")] {
            let path = dir.path().join(name);
            let spec = FileSpec { format, path: &path, has_header: true, sheet_name: None };
            records.write(&spec).unwrap();
            assert_eq!(Records::read(&spec).unwrap().to_serde::<Row>().unwrap(), rows(), "{name}");
        }
    }

    #[test]
    fn equal_tables_give_equal_workbooks() {
        let dir = tempfile::tempdir().unwrap();
        let records = Records::from_serde(&rows()).unwrap();
        let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
        for path in [&a, &b] {
            let spec =
                FileSpec { format: FileFormat::Excel, path, has_header: true, sheet_name: Some("out") };
            records.write(&spec).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }

    #[test]
    fn a_missing_sheet_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let spec =
            FileSpec { format: FileFormat::Excel, path: &path, has_header: true, sheet_name: Some("data") };
        Records::from_serde(&rows()).unwrap().write(&spec).unwrap();
        let other = FileSpec { sheet_name: Some("results"), ..spec };
        let err = Records::read(&other).unwrap_err();
        assert_eq!(err, "the workbook has no sheet `results`; sheets: data");
    }
}
