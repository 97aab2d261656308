//! The taipy-rs runtime: data nodes, a persistent store, scenarios, and an orchestrator that
//! skips every task whose inputs and code did not change.
//!
//! Most users depend on the facade crate `taipy`, which re-exports this crate and the macros.
//! This crate is the runtime the macros expand to, and the plain API for building scenarios at
//! run time:
//!
//! ```
//! use taipy_core::prelude::*;
//!
//! fn double(x: &i64) -> i64 { x * 2 }
//!
//! let config = ScenarioConfig::builder("doubling")
//!     .node(DataNodeConfig::with_default("x", 21i64))
//!     .task(TaskConfig::new("double", double).inputs(["x"]).outputs(["y"]))
//!     .build()?;
//! let store = Store::temporary()?;
//! let scenario = Scenario::create(&store, &config, "first")?;
//! let report = scenario.submit()?.wait()?;
//! assert_eq!(report.tasks_with(JobStatus::Completed), ["double"]);
//! assert_eq!(scenario.data_node::<i64>("y")?.read()?, 42);
//!
//! // Nothing changed: the second submit reuses the result.
//! let report = scenario.submit()?.wait()?;
//! assert_eq!(report.tasks_with(JobStatus::Skipped), ["double"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

extern crate self as taipy_core;

mod compare;
mod config;
mod cycle;
mod duration_text;
mod error;
mod events;
mod fault;
mod fingerprint;
#[cfg(feature = "polars")]
pub mod frames;
mod job;
mod macro_support;
mod node;
mod orchestrator;
pub mod registry;
mod scenario;
pub mod storage;
mod store;
mod task;
pub mod toml;
mod value;
mod work;

pub use compare::{CompareError, Comparison, compare_scenarios};
pub use config::ArtifactsUrl;
pub use config::{
    ConfigDiff, ConfigShape, DataNodeConfig, Difference, ExecutionMode, Executor, Frequency, MigrationOutput,
    NodeShape, ScenarioConfig, ScenarioConfigBuilder, Scope, StoreOptions, TaskConfig, TaskShape,
    VersionMode,
};
pub use error::{BoxError, ConfigError, Incompatible, StoreError, TaskError};
pub use events::{EntityType, Event, EventFilter, Operation, SubscriptionId};
pub use fingerprint::{Fingerprint, FingerprintBuilder};
pub use node::{DataNode, NodeName};
pub use orchestrator::{
    Attempt, InputVersion, Job, JobStatus, Jobs, Plan, Planned, PlannedJob, Reason, StatusCallback,
    Submission, SubmissionReport, SubmissionStatus, SubmitError, SubmitOptions,
};
pub use orchestrator::{QueueError, WorkerOptions, run_worker};
pub use registry::RegistryError;
pub use scenario::Scenario;
pub use storage::{Location, Storage, StorageKind};
pub use store::{
    ConfigVersion, Cycle, DiskUsage, EditLock, GcPolicy, GcReport, JobOrigin, Lineage, ScenarioInfo, Store,
    StoreStats, StoredConfig, SubmissionInfo, UnreadableRecord, Version, Writer,
};
pub use task::{TaskFn, TaskInput, TaskOutput};
pub use value::{
    AnyValue, ArtifactWriter, CsvFile, DataValue, FileFormat, FileFormats, FileSpec, FrameCompression,
    FramePlan, Holds, Layout, ParquetFile, Payload, StoreCx, Stored, TableColumn, TablePage, ValueType, kind,
};

/// The polars version taipy-core stores frames with (feature `polars`): use it through this
/// re-export so your tasks' `DataFrame` and `LazyFrame` are the types taipy knows how to store.
#[cfg(feature = "polars")]
pub use polars;

/// The handful of items most programs need.
pub mod prelude {
    pub use crate::{
        CsvFile, DataNode, DataNodeConfig, DataValue, JobStatus, ParquetFile, Scenario, ScenarioConfig,
        Store, StoreOptions, SubmitOptions, TaskConfig,
    };
}

/// Items the macros' expansions use. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use std::option::Option;
    pub use std::result::Result;
    pub use std::string::String;
    pub use std::sync::{Arc, OnceLock};
    pub use std::time::Duration;
    pub use std::vec::Vec;

    pub use ::toml::Value as TomlValue;
    pub use inventory;

    pub use crate::FramePlan;
    pub use crate::config::{MigrationAnswer, MigrationCall, MigrationEntry, run_migration};
    pub use crate::fault::POINTS as FAULT_POINTS;
    pub use crate::macro_support::{
        Arity, Nth, OutputOf, OutputValues, SerdeValue, TaskDescriptor, check_outputs, cloneable, data_value,
        input, placeholder, scenario_config, task_output,
    };
    pub use crate::registry::{ScenarioEntry, TaskEntry};
    pub use crate::storage::forget_in_memory_values;
    pub use crate::storage::generic::{
        GenericRead, GenericWrite, ReaderEntry, WriterEntry, run_reader, run_writer,
    };
    pub use crate::value::{
        DeclaredField, Probe, ProbeDataValue, ProbeNone, ProbeSerde, declared_layout, decode_serde,
        encode_serde, from_toml, to_toml,
    };
    pub use crate::value::{
        FileFormats, FileSpec, Holds, kind, kind::Kind, read_serde, serde_formats, write_serde,
    };
    pub use crate::work::{Work, done as work_done};
    pub use crate::{
        AnyValue, ConfigError, DataNode, DataNodeConfig, DataValue, Fingerprint, Layout, Scenario,
        ScenarioConfig, Store, StoreCx, StoreError, Stored, Submission, SubmitError, SubmitOptions,
        TablePage, TaskConfig, TaskError, TaskOutput, ValueType,
    };
    pub use crate::{Frequency, Scope, Storage, StorageKind};
}
