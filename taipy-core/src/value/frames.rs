//! polars frames as data values (feature `polars`): content-addressed Parquet artifacts.
//!
//! - A [`DataFrame`] is written to Parquet and read back into memory.
//! - A [`LazyFrame`] is *executed* by storing it: its plan is run by polars' streaming engine
//!   straight into a Parquet sink, so a frame larger than memory never has to be collected
//!   (operations the streaming engine cannot stream, such as a median, are buffered by polars
//!   itself, holding only the columns the plan reads). It is read back with `scan_parquet`: a
//!   new lazy plan over the artifact. Since [`RELOAD_AFTER_STORE`](DataValue::RELOAD_AFTER_STORE)
//!   is set, downstream tasks of the same submission receive that scan, not the producer's plan,
//!   which would otherwise be executed again by every reader.
//!
//! ## Compression
//!
//! New artifacts are compressed as the store's options say
//! ([`StoreOptions::frame_compression`](crate::StoreOptions::frame_compression), a
//! [`FrameCompression`]): **uncompressed** by default, or lz4, or zstd at a level. A store option
//! rather than a process-wide setting: values see it through their [`StoreCx`] as they see the
//! store's artifacts, tests pick it per store, and nothing depends on the environment (config
//! fingerprints, which hash a frame default in a scratch context, always use the default). Any
//! store reads every codec: Parquet records it per column chunk.
//!
//! Measured on the 5M-row customer walkthrough (130 MB CSV; release build; 2 cores, 1-minute
//! load 1.6–2.4, mostly the benchmark's own; the codecs alternated in one run, rotating the
//! order, 9 runs each; each submit's wall time, median (min–max) in ms; store size from
//! `Store::disk_usage`):
//!
//! | codec        | submit 1         | submit 2         | submit 3      | submit 4      | store  | after gc |
//! |--------------|------------------|------------------|---------------|---------------|--------|----------|
//! | uncompressed | 1620 (1560–1693) | 805 (761–828)    | 542 (508–820) | 68 (64–139)   | 604 MB | 349 MB   |
//! | lz4          | 1873 (1815–1960) | 1029 (1010–1058) | 558 (533–1062) | 80 (76–89)   | 482 MB | 279 MB   |
//! | zstd:1       | 2289 (2190–2383) | 1354 (1324–1425) | 676 (656–910) | 126 (118–133) | 445 MB | 256 MB   |
//! | zstd:3       | 2777 (2678–2850) | 1699 (1613–1798) | 683 (630–733) | 118 (115–134) | 362 MB | 209 MB   |
//!
//! (`after gc`: [`GcPolicy::keep_only_current`](crate::GcPolicy::keep_only_current). The
//! hand-written query computing both outputs, the floor of DESIGN §8, took 1329 (1299–1375) ms
//! in the same run.) Whole processes (the four submits and `gc`) paired A/B against
//! uncompressed, 5 pairs each: lz4 1.18× (1.14–1.19) the wall time and 1.26× (1.25–1.27) the CPU
//! time, zstd:3 1.68× (1.65–1.70) and 1.96× (1.93–1.97). The synthetic customers are mostly
//! floating-point columns of random values, which compress poorly: lz4 saves 20% of the store
//! for submits up to 28% slower (submit 1: 16%), zstd:3 saves 40% for submits 1.3–2.1× slower
//! (submit 1: 1.71×, 2.09× the floor, past DESIGN §8's 1.5×; uncompressed: 1.22×, lz4: 1.41×).
//! Artifact writes dominate a submission and `Store::gc` bounds what the store keeps, so the
//! default stays uncompressed; lz4 is the choice where disk is short. Reproduce with:
//!
//! ```text
//! cargo run --release --example generate_customers -- --rows 5m --out /tmp/customers_5m.csv
//! cargo run --release --example bench_customer -- --data /tmp/customers_5m.csv --compression lz4 --gc
//! ```
//!
//! A codec is part of an artifact's bytes, hence of its content hash:
//! - changing the codec re-runs nothing by itself: memo keys are made of the input versions'
//!   hashes, which are those of the artifacts already stored, and those stay readable;
//! - the first task that re-runs afterwards writes an equal frame as other bytes, so its output
//!   gets a new version and every task downstream re-runs once: early cutoff, which compares
//!   output hashes, is lost for that submission; results remembered from before the change are
//!   found again only from inputs written in the old codec;
//! - so keep one codec per store: processes sharing a store with different codecs would lose
//!   early cutoff at every re-run. (`algos/tests/compression.rs` checks both points.)
//!
//! Both types share one writer, so equal tables give byte-identical files and therefore equal
//! content hashes (polars' Parquet writer records no timestamps; the tests check this).
//!
//! ## Layout
//!
//! A frame's layout is its schema, recorded with each stored frame
//! (`DataFrame { id: i64, segment: str }`, see [`Layout`](crate::Layout)) so that messages and
//! lineage can show it. The types have no fixed layout (`DataValue::layout` is `None`): Parquet
//! describes itself, so a frame is never misread, and any schema is accepted on read.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::{
    AnyValue, DataFrame, Engine, FileWriteFormat, IdxSize, IntoLazy, LazyFrame, ParquetCompression,
    ParquetWriteOptions, PlRefPath, PolarsError, ScanArgsParquet, Schema, SinkDestination, SinkTarget,
    UnifiedSinkArgs, len,
};

use super::polars_text::polars_message;
use super::{
    ArtifactWriter, DataValue, FrameCompression, FramePlan, Layout, StoreCx, Stored, TableColumn, TablePage,
};
use crate::error::StoreError;

/// Rows per Parquet row group. Given explicitly, the streaming sink cuts row groups at exact
/// row counts, so the file's bytes do not depend on how the input was split into morsels.
///
/// Small on purpose: polars' streaming Parquet source prefetches at least 16 row groups, so
/// the row-group size bounds the memory a downstream scan holds. Measured on task 2 of the
/// customer example (Parquet scan → 6 new columns → Parquet sink, 10M rows, release build):
/// peak anonymous memory 371 MB with 128Ki-row groups, 209 MB with 64Ki, 114 MB with 32Ki, and
/// no slower.
const ROW_GROUP_ROWS: usize = 32 * 1024;

/// The extension of frame artifacts.
const EXTENSION: &str = "parquet";

impl DataValue for LazyFrame {
    const RELOAD_AFTER_STORE: bool = true;

    fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        sink_parquet(self.clone(), cx, std::any::type_name::<Self>())
    }

    fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        scan_artifact(stored, cx, std::any::type_name::<Self>())
    }

    fn plan(&self) -> Option<FramePlan> {
        Some(FramePlan::new(self.clone()))
    }

    fn from_plan(plan: FramePlan) -> Option<Self> {
        Some(plan.into_lazy_frame())
    }

    /// Counts the rows and collects only the window: over a stored frame (a Parquet scan) a
    /// viewer never reads the whole table into memory.
    fn table_page(&self, rows: Range<usize>) -> Option<Result<TablePage, String>> {
        let page = || -> Result<TablePage, PolarsError> {
            let counted = self.clone().select([len()]).collect()?;
            let total = counted.columns()[0].get(0)?.extract::<usize>().unwrap_or(0);
            let length = rows.end.saturating_sub(rows.start).min(IdxSize::MAX as usize) as IdxSize;
            let window = self.clone().slice(rows.start as i64, length).collect()?;
            frame_page(&window, rows.start, total)
        };
        Some(page().map_err(|e| polars_message(&e)))
    }

    fn file_formats() -> super::FileFormats {
        super::frame_files::frame_formats()
    }

    fn write_file(&self, spec: &super::FileSpec<'_>) -> Result<(), String> {
        super::frame_files::write_lazy_frame(self, spec)
    }

    fn read_file(spec: &super::FileSpec<'_>) -> Result<Self, String> {
        super::frame_files::read_lazy_frame(spec)
    }
}

impl DataValue for DataFrame {
    fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        // Columns are reference-counted: the clone shares the data.
        sink_parquet(self.clone().lazy(), cx, std::any::type_name::<Self>())
    }

    fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        let type_name = std::any::type_name::<Self>();
        scan_artifact(stored, cx, type_name)?.collect().map_err(|e| decode_error(type_name, e))
    }

    fn table_page(&self, rows: Range<usize>) -> Option<Result<TablePage, String>> {
        let window =
            self.slice(rows.start.min(i64::MAX as usize) as i64, rows.end.saturating_sub(rows.start));
        Some(frame_page(&window, rows.start, self.height()).map_err(|e| polars_message(&e)))
    }

    fn file_formats() -> super::FileFormats {
        super::frame_files::frame_formats()
    }

    fn write_file(&self, spec: &super::FileSpec<'_>) -> Result<(), String> {
        super::frame_files::write_data_frame(self, spec)
    }

    fn read_file(spec: &super::FileSpec<'_>) -> Result<Self, String> {
        super::frame_files::read_data_frame(spec)
    }
}

/// The cells of `window` (rows `offset..` of a `total`-row frame) as text: strings without
/// quotes, nulls empty.
fn frame_page(window: &DataFrame, offset: usize, total: usize) -> Result<TablePage, PolarsError> {
    let columns =
        window.columns().iter().map(|c| TableColumn::new(c.name().as_str(), c.dtype().to_string())).collect();
    let mut cells = Vec::with_capacity(window.height());
    for row in 0..window.height() {
        let mut line = Vec::with_capacity(window.width());
        for column in window.columns() {
            line.push(match column.get(row)? {
                AnyValue::Null => String::new(),
                AnyValue::String(text) => text.to_owned(),
                AnyValue::StringOwned(text) => text.to_string(),
                other => other.to_string(),
            });
        }
        cells.push(line);
    }
    Ok(TablePage::new(columns, cells, offset, total))
}

/// Runs `frame`'s plan with the streaming engine into a new Parquet artifact.
fn sink_parquet(frame: LazyFrame, cx: &StoreCx<'_>, type_name: &'static str) -> Result<Stored, StoreError> {
    let encode = |e: PolarsError| StoreError::Encode { type_name, reason: polars_message(&e) };
    let pending = Pending::new(frame, cx, type_name)?;
    pending.plan.clone().collect_with_engine(Engine::Streaming).map_err(encode)?;
    pending.finish()
}

/// Runs the plans in one streaming query, one Parquet sink each (polars' `collect_all`: the
/// parts they share through `LazyFrame::cache` are computed once and fed to every sink), into
/// new artifacts. Each has the bytes [`sink_parquet`] gives for its plan alone: the writer's
/// options are the same and row groups are cut at exact row counts. On an error every
/// temporary file is removed.
pub(super) fn store_together(frames: Vec<LazyFrame>, cx: &StoreCx<'_>) -> Result<Vec<Stored>, StoreError> {
    let type_name = std::any::type_name::<LazyFrame>();
    let encode = |e: PolarsError| StoreError::Encode { type_name, reason: polars_message(&e) };
    let Some(first) = frames.first() else { return Ok(Vec::new()) };
    let flags = first.get_current_optimizations();
    let pending =
        frames.into_iter().map(|frame| Pending::new(frame, cx, type_name)).collect::<Result<Vec<_>, _>>()?;
    let plans = pending.iter().map(|p| p.plan.logical_plan.clone()).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Streaming, flags).map_err(encode)?;
    pending.into_iter().map(Pending::finish).collect()
}

/// A frame's Parquet sink into a new artifact, not run yet.
struct Pending<'a> {
    writer: ArtifactWriter<'a>,
    plan: LazyFrame,
    layout: Layout,
}

impl<'a> Pending<'a> {
    fn new(mut frame: LazyFrame, cx: &'a StoreCx<'_>, type_name: &'static str) -> Result<Self, StoreError> {
        let writer = cx.new_artifact(EXTENSION)?;
        let encode = |e: PolarsError| StoreError::Encode { type_name, reason: polars_message(&e) };
        let layout = schema_layout(&*frame.collect_schema().map_err(encode)?);
        let target = polars_path(writer.path()).map_err(encode)?;
        let options = ParquetWriteOptions {
            compression: parquet_compression(cx.frame_compression).map_err(encode)?,
            row_group_size: Some(ROW_GROUP_ROWS),
            ..ParquetWriteOptions::default()
        };
        let plan = frame
            .sink(
                SinkDestination::File { target: SinkTarget::Path(target) },
                FileWriteFormat::Parquet(Arc::new(options)),
                UnifiedSinkArgs::default(),
            )
            .map_err(encode)?;
        Ok(Self { writer, plan, layout })
    }

    /// Once the sink has run: `finish` fsyncs, hashes and renames the file into place (step 1
    /// of the commit protocol).
    fn finish(self) -> Result<Stored, StoreError> {
        let stored = self.writer.finish()?;
        Ok(Stored { layout: Some(self.layout.fingerprint()), ..stored })
    }
}

/// A frame's layout: its columns' names and types, in order.
fn schema_layout(schema: &Schema) -> Layout {
    let columns: Vec<String> = schema.iter().map(|(name, dtype)| format!("{name}: {dtype}")).collect();
    Layout::from_text(&format!("DataFrame {{ {} }}", columns.join(", ")))
}

/// The polars codec of a [`FrameCompression`].
fn parquet_compression(compression: FrameCompression) -> Result<ParquetCompression, PolarsError> {
    Ok(match compression {
        FrameCompression::Uncompressed => ParquetCompression::Uncompressed,
        FrameCompression::Lz4 => ParquetCompression::Lz4Raw,
        FrameCompression::Zstd(level) => ParquetCompression::Zstd(Some(ZstdLevel::try_new(level)?)),
    })
}

/// A lazy scan of a stored Parquet artifact.
fn scan_artifact(
    stored: &Stored,
    cx: &StoreCx<'_>,
    type_name: &'static str,
) -> Result<LazyFrame, StoreError> {
    let path = artifact_file(stored, cx, type_name)?;
    let source = polars_path(&path).map_err(|e| decode_error(type_name, e))?;
    // An artifact is one file: no glob expansion, whatever characters the store's path holds.
    let args = ScanArgsParquet { glob: false, ..ScanArgsParquet::default() };
    LazyFrame::scan_parquet(source, args).map_err(|e| decode_error(type_name, e))
}

/// The path of the artifact, checked now (it exists and its bytes match its hash): a scan
/// would only fail once executed.
fn artifact_file(stored: &Stored, cx: &StoreCx<'_>, type_name: &'static str) -> Result<PathBuf, StoreError> {
    // Opening verifies the artifact's bytes against its hash (cached by size, mtime and inode).
    cx.open_artifact(&stored.payload)?.ok_or_else(|| StoreError::Decode {
        type_name,
        reason: "expected a Parquet artifact, found inline bytes".into(),
    })
}

fn polars_path(path: &Path) -> Result<PlRefPath, PolarsError> {
    PlRefPath::try_from_path(path)
}

fn decode_error(type_name: &'static str, e: PolarsError) -> StoreError {
    StoreError::Decode { type_name, reason: polars_message(&e) }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use polars::prelude::*;

    use super::*;
    use crate::value::ValueType;
    use crate::value::polars_text::without_python_advice;

    struct Fixture {
        dir: tempfile::TempDir,
        artifacts_dir: PathBuf,
        artifacts: crate::value::scratch::ScratchArtifacts,
        files: crate::value::scratch::MemoryFiles,
        compression: FrameCompression,
    }

    impl Fixture {
        fn new() -> Self {
            Self::with(FrameCompression::default())
        }

        fn with(compression: FrameCompression) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let artifacts_dir = dir.path().join("artifacts");
            std::fs::create_dir(&artifacts_dir).unwrap();
            let artifacts = crate::value::scratch::ScratchArtifacts::new(&artifacts_dir);
            Self { dir, artifacts_dir, artifacts, files: Default::default(), compression }
        }

        fn cx(&self) -> StoreCx<'_> {
            self.cx_writing(self.compression)
        }

        /// A context over the same artifacts that writes new ones with another codec.
        fn cx_writing(&self, compression: FrameCompression) -> StoreCx<'_> {
            StoreCx { artifacts: &self.artifacts, files: &self.files, frame_compression: compression }
        }

        fn artifact_count(&self) -> usize {
            std::fs::read_dir(&self.artifacts_dir).unwrap().count()
        }
    }

    fn sample() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3, 4],
            "amount" => [10.5f64, f64::NAN, 0.0, -3.25],
            "segment" => ["a", "b", "a", "c"],
            "maybe" => [Some(1i32), None, Some(3), None],
        )
        .unwrap()
    }

    #[test]
    fn a_data_frame_round_trips() {
        let fx = Fixture::new();
        let df = sample();
        let stored = df.store(&fx.cx()).unwrap();
        let back = DataFrame::load(&stored, &fx.cx()).unwrap();
        assert!(back.equals_missing(&df), "{back}\n!=\n{df}");
        assert!(!ValueType::of::<DataFrame>().reload_after_store());
    }

    #[test]
    fn a_stored_frame_is_shown_one_page_at_a_time_with_its_column_types() {
        let fx = Fixture::new();
        let stored = sample().lazy().store(&fx.cx()).unwrap();
        let scan = LazyFrame::load(&stored, &fx.cx()).unwrap();
        let page = scan.table_page(1..3).expect("a frame is a table").unwrap();
        let names: Vec<(&str, &str)> =
            page.columns.iter().map(|c| (c.name.as_str(), c.type_name.as_str())).collect();
        assert_eq!(names, [("id", "i64"), ("amount", "f64"), ("segment", "str"), ("maybe", "i32")]);
        assert_eq!(page.cells, [vec!["2", "NaN", "b", ""], vec!["3", "0.0", "a", "3"]]);
        assert_eq!((page.rows(), page.total), (1..3, 4));
        // Past the end: no rows, the total still known; a DataFrame pages the same way.
        let past = sample().table_page(10..20).unwrap().unwrap();
        assert_eq!((past.cells.len(), past.total), (0, 4));
        assert_eq!(sample().table_page(1..3).unwrap().unwrap(), page);
        // A column of one repeated value (polars keeps it as a scalar) shows its text too.
        let literal =
            sample().lazy().select([lit("median").alias("statistic")]).table_page(0..1).unwrap().unwrap();
        assert_eq!(literal.cells, [vec!["median"]]);
    }

    #[test]
    fn a_lazy_frame_round_trips_as_a_scan() {
        let fx = Fixture::new();
        let plan =
            sample().lazy().filter(col("id").gt(lit(1))).with_column((col("id") * lit(2)).alias("twice"));
        let expected = plan.clone().collect().unwrap();
        let stored = plan.store(&fx.cx()).unwrap();
        let back = LazyFrame::load(&stored, &fx.cx()).unwrap();
        assert!(back.collect().unwrap().equals_missing(&expected));
        assert!(ValueType::of::<LazyFrame>().reload_after_store(), "downstream tasks get the scan");
    }

    #[test]
    fn a_frame_without_rows_round_trips_with_its_schema() {
        let fx = Fixture::new();
        let empty = sample().lazy().filter(col("id").gt(lit(100)));
        let stored = empty.store(&fx.cx()).unwrap();
        let back = LazyFrame::load(&stored, &fx.cx()).unwrap().collect().unwrap();
        assert_eq!(back.height(), 0);
        assert_eq!(back.schema(), sample().schema());
    }

    #[test]
    fn a_stored_frame_records_its_schema_as_its_layout() {
        let fx = Fixture::new();
        let stored = sample().store(&fx.cx()).unwrap();
        let layout = stored.layout.expect("a frame's layout");
        assert_eq!(
            crate::value::layout_text(&layout),
            Some("DataFrame { id: i64, amount: f64, segment: str, maybe: i32 }")
        );
        let lazy = sample().lazy().select([col("id")]).store(&fx.cx()).unwrap();
        assert_ne!(lazy.layout, stored.layout);
        assert_eq!(ValueType::of::<DataFrame>().layout(), None, "any schema reads");
    }

    #[test]
    fn equal_frames_have_equal_content_hashes() {
        let fx = Fixture::new();
        let first = sample().store(&fx.cx()).unwrap();
        // Built again from scratch, and once more through a different plan giving equal rows.
        let second = sample().store(&fx.cx()).unwrap();
        let third = sample().lazy().sort(["id"], SortMultipleOptions::default()).store(&fx.cx()).unwrap();
        assert_eq!(first, second, "writing the same frame twice must give the same bytes");
        assert_eq!(first.hash, third.hash, "a DataFrame and an equal LazyFrame share the artifact");
        assert_eq!(fx.artifact_count(), 1);

        let different = sample().lazy().filter(col("id").neq(lit(4))).store(&fx.cx()).unwrap();
        assert_ne!(first.hash, different.hash);
        assert_eq!(fx.artifact_count(), 2);
    }

    const CODECS: [FrameCompression; 4] = [
        FrameCompression::Uncompressed,
        FrameCompression::Lz4,
        FrameCompression::Zstd(3),
        FrameCompression::Zstd(19),
    ];

    /// The codecs recorded in an artifact's column chunks.
    fn codecs_of(fx: &Fixture, stored: &Stored) -> Vec<String> {
        let path = fx.cx().open_artifact(&stored.payload).unwrap().unwrap();
        let mut reader = ParquetReader::new(std::fs::File::open(path).unwrap());
        let metadata = reader.get_metadata().unwrap();
        let mut codecs: Vec<String> = metadata
            .row_groups
            .iter()
            .flat_map(|group| group.parquet_columns().iter().map(|c| format!("{:?}", c.compression())))
            .collect();
        codecs.dedup();
        codecs
    }

    #[test]
    fn each_codec_is_written_as_asked_and_read_whatever_the_reader_writes() {
        let fx = Fixture::new();
        let df = sample();
        let mut hashes = Vec::new();
        for codec in CODECS {
            let stored = df.store(&fx.cx_writing(codec)).unwrap();
            let expected = match codec {
                FrameCompression::Uncompressed => "Uncompressed",
                FrameCompression::Lz4 => "Lz4Raw",
                FrameCompression::Zstd(_) => "Zstd",
            };
            assert_eq!(codecs_of(&fx, &stored), [expected], "{codec}");
            // Parquet records the codec per column chunk: any context reads any artifact.
            for reader in CODECS {
                let back = DataFrame::load(&stored, &fx.cx_writing(reader)).unwrap();
                assert!(back.equals_missing(&df), "written {codec}, read by a {reader} store");
                let scanned = LazyFrame::load(&stored, &fx.cx_writing(reader)).unwrap().collect().unwrap();
                assert!(scanned.equals_missing(&df), "written {codec}, scanned by a {reader} store");
            }
            // Deterministic per codec: the same frame gives the same bytes again.
            assert_eq!(df.store(&fx.cx_writing(codec)).unwrap(), stored, "{codec}");
            hashes.push(stored.hash);
        }
        // ... but each codec gives other bytes, so another content hash (and artifact).
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), CODECS.len());
        assert_eq!(fx.artifact_count(), CODECS.len());
    }

    #[test]
    fn polars_advice_to_python_users_is_left_out() {
        let text = "could not parse `abc` as dtype `f64` at column 'A' (column number 2)\n\nThe current \
                    offset in the file is 18 bytes.\n\nYou might want to try:\n- increasing \
                    `infer_schema_length` (e.g. `infer_schema_length=10000`),\n- setting `ignore_errors` \
                    to `True`,\n\nOriginal error: ```invalid primitive value found during CSV parsing```";
        assert_eq!(
            without_python_advice(text),
            "could not parse `abc` as dtype `f64` at column 'A' (column number 2); The current offset in \
             the file is 18 bytes; Original error: `invalid primitive value found during CSV parsing`"
        );
    }

    #[test]
    fn a_zstd_level_out_of_range_is_an_encoding_error() {
        let fx = Fixture::with(FrameCompression::Zstd(23));
        let err = sample().store(&fx.cx()).unwrap_err();
        assert!(matches!(err, StoreError::Encode { .. }), "{err:?}");
        assert_eq!(fx.artifact_count(), 0);
    }

    /// Enough rows that the streaming engine cuts the input into many morsels.
    const ROWS: usize = 300_000;

    fn write_large_csv(path: &Path) {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        writeln!(out, "k,v").unwrap();
        for i in 0..ROWS {
            writeln!(out, "{},{}.5", i % 7, i).unwrap();
        }
        out.flush().unwrap();
    }

    fn large_plan(csv: &Path) -> LazyFrame {
        LazyCsvReader::new(PlRefPath::try_from_path(csv).unwrap())
            .with_has_header(true)
            .finish()
            .unwrap()
            .filter(col("k").neq(lit(3)))
            .with_column((col("v") * lit(2.0)).alias("double"))
    }

    #[test]
    fn a_large_lazy_frame_streams_to_parquet_deterministically() {
        let fx = Fixture::new();
        let csv = fx.dir.path().join("large.csv");
        write_large_csv(&csv);

        let stored = large_plan(&csv).store(&fx.cx()).unwrap();
        let again = large_plan(&csv).store(&fx.cx()).unwrap();
        assert_eq!(stored, again, "streaming the same plan twice must give the same bytes");

        let totals = LazyFrame::load(&stored, &fx.cx())
            .unwrap()
            .select([len().alias("rows"), col("double").sum().alias("sum"), col("k").first().alias("first")])
            .collect()
            .unwrap();
        let kept = (0..ROWS).filter(|i| i % 7 != 3);
        let expected_sum: f64 = kept.clone().map(|i| (i as f64 + 0.5) * 2.0).sum();
        let rows = totals.column("rows").unwrap().get(0).unwrap().extract::<usize>().unwrap();
        assert_eq!(rows, kept.count());
        let sum = totals.column("sum").unwrap().f64().unwrap().get(0).unwrap();
        assert!((sum - expected_sum).abs() <= 1e-9 * expected_sum, "{sum} != {expected_sum}");
        // Row order is preserved through the streaming sink.
        assert_eq!(totals.column("first").unwrap().i64().unwrap().get(0), Some(0));

        // Written in row groups of ROW_GROUP_ROWS, not as one block.
        let file = std::fs::File::open(fx.cx().open_artifact(&stored.payload).unwrap().unwrap()).unwrap();
        let mut reader = ParquetReader::new(file);
        let row_groups = reader.get_metadata().unwrap().row_groups.len();
        assert_eq!(row_groups, rows.div_ceil(ROW_GROUP_ROWS));
    }

    #[test]
    fn a_failing_plan_leaves_no_artifact() {
        let fx = Fixture::new();
        let csv = fx.dir.path().join("bad.csv");
        std::fs::write(&csv, "k,v\n1,2.0\n2,oops\n").unwrap();
        let plan = LazyCsvReader::new(PlRefPath::try_from_path(&csv).unwrap())
            .with_has_header(true)
            .with_schema(Some(Arc::new(Schema::from_iter([
                Field::new("k".into(), DataType::Int64),
                Field::new("v".into(), DataType::Float64),
            ]))))
            .finish()
            .unwrap();
        let err = plan.store(&fx.cx()).unwrap_err();
        assert!(err.to_string().contains("oops"), "{err}");
        assert_eq!(fx.artifact_count(), 0, "no artifact and no temporary file left behind");
    }

    #[test]
    fn a_missing_artifact_is_an_error_naming_it() {
        let fx = Fixture::new();
        let stored = sample().store(&fx.cx()).unwrap();
        let path = fx.cx().open_artifact(&stored.payload).unwrap().unwrap();
        std::fs::remove_file(&path).unwrap();
        let err = LazyFrame::load(&stored, &fx.cx()).err().expect("a missing artifact is an error");
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    }
}
