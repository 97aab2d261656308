//! Parquet files in user-visible locations, written by polars' streaming engine.

use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

/// polars' error as this crate shows it.
pub(super) fn message(e: polars::prelude::PolarsError) -> String {
    super::polars_text::polars_message(&e)
}

/// Writes `frame` to a Parquet file at `path`.
pub(crate) fn write_parquet(frame: &mut DataFrame, path: &Path) -> Result<(), String> {
    sink(frame.clone().lazy(), path)
}

/// Reads a whole Parquet file.
pub(crate) fn read_parquet(path: &Path) -> Result<DataFrame, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    ParquetReader::new(file).finish().map_err(message)
}

/// Runs the plan with the streaming engine into a Parquet file at `path`.
pub(super) fn sink(frame: LazyFrame, path: &Path) -> Result<(), String> {
    let target = PlRefPath::try_from_path(path).map_err(message)?;
    frame
        .sink(
            SinkDestination::File { target: SinkTarget::Path(target) },
            FileWriteFormat::Parquet(Arc::new(ParquetWriteOptions::default())),
            UnifiedSinkArgs::default(),
        )
        .and_then(|plan| plan.collect_with_engine(Engine::Streaming))
        .map(|_| ())
        .map_err(message)
}
