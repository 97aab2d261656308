//! `config check|export`, `gc` and `doctor`.

use serde_json::json;

use super::args::{ConfigCommand, GcArgs};
use super::context::Context;
use super::table;
use crate::toml::Loader;
use crate::{BoxError, GcPolicy};

pub(crate) fn config(cx: &mut Context<'_>, command: ConfigCommand) -> Result<(), BoxError> {
    match command {
        ConfigCommand::Check { file } => {
            let loaded = Loader::new().load_file(&file)?;
            let ids: Vec<&String> = loaded.scenarios().keys().collect();
            if cx.json() {
                return cx.print_json(&json!({ "file": file, "ok": true, "scenarios": ids }));
            }
            let plural = if ids.len() == 1 { "" } else { "s" };
            let names = ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            writeln!(cx.out(), "{}: ok, {} scenario config{plural}: {names}", file.display(), ids.len())?;
            Ok(())
        }
        ConfigCommand::Export { config_id } => {
            let config = cx.config(config_id.as_deref())?;
            let text = crate::toml::export(&config)?;
            if cx.json() {
                return cx.print_json(&json!({ "config": config.id(), "toml": text }));
            }
            write!(cx.out(), "{text}")?;
            Ok(())
        }
        ConfigCommand::Diff { config_id } => super::versions::diff_current(cx, config_id.as_deref()),
    }
}

pub(crate) fn gc(cx: &mut Context<'_>, args: GcArgs) -> Result<(), BoxError> {
    let mut policy = GcPolicy::keep_all();
    policy.old_versions = args.keep_versions;
    policy.memo_entries = args.keep_results;
    let store = cx.store()?;
    let report = if args.dry_run { store.gc_dry_run(policy)? } else { store.gc(policy)? };
    if cx.json() {
        return cx.print_json(&json!({
            "dry_run": args.dry_run,
            "versions_removed": report.versions_removed, "memo_entries_removed": report.memo_entries_removed,
            "artifacts_removed": report.artifacts_removed, "bytes_freed": report.bytes_freed,
        }));
    }
    let (removed, freed) = if args.dry_run { ("would remove", "would free") } else { ("removed", "freed") };
    writeln!(
        cx.out(),
        "{removed} {} old version(s), {} remembered result(s), {} artifact(s); {freed} {}",
        report.versions_removed,
        report.memo_entries_removed,
        report.artifacts_removed,
        table::bytes(report.bytes_freed)
    )?;
    Ok(())
}

/// Opens the store (which checks its format), reads every record, and reports what takes the
/// space and what could not be read; an error when something could not.
pub(crate) fn doctor(cx: &mut Context<'_>) -> Result<(), BoxError> {
    let store = cx.store()?.clone();
    let scenarios = store.scenarios()?;
    let jobs = store.jobs()?.len();
    let submissions = store.submissions()?.len();
    let cycles = store.cycles()?.len();
    let configs = store.configs()?;
    let usage = store.disk_usage()?;
    let unreadable = store.unreadable_records();
    let mut unknown: Vec<String> = Vec::new();
    for scenario in &scenarios {
        if cx.config(Some(&scenario.config_id)).is_err() && !unknown.contains(&scenario.config_id) {
            unknown.push(scenario.config_id.clone());
        }
    }
    if cx.json() {
        cx.print_json(&json!({
            "store": store.path(), "format": store.format_version(),
            "scenarios": scenarios.len(), "submissions": submissions, "jobs": jobs, "cycles": cycles,
            "configs": configs.iter().map(|c| &c.id).collect::<Vec<_>>(),
            "disk": {
                "catalog_bytes": usage.catalog_bytes, "artifacts_bytes": usage.artifacts_bytes,
                "artifacts": usage.artifacts, "quarantined_bytes": usage.quarantined_bytes,
                "temporary_bytes": usage.temporary_bytes, "total_bytes": usage.total_bytes(),
            },
            "unreadable": unreadable.iter().map(|r| json!({ "what": r.what, "key": r.key, "reason": r.reason })).collect::<Vec<_>>(),
            "unknown_configs": unknown,
        }))?;
    } else {
        let out = cx.out();
        writeln!(out, "store        {}", store.path().display())?;
        writeln!(out, "format       {} (taipy {})", store.format_version(), env!("CARGO_PKG_VERSION"))?;
        writeln!(
            out,
            "records      {} scenario(s), {submissions} submission(s), {jobs} job(s), {cycles} cycle(s)",
            scenarios.len()
        )?;
        writeln!(
            out,
            "configs      {}",
            configs.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
        )?;
        writeln!(
            out,
            "disk         {} in all: catalog {}, {} artifact(s) {}, quarantined {}, temporary {}",
            table::bytes(usage.total_bytes()),
            table::bytes(usage.catalog_bytes),
            usage.artifacts,
            table::bytes(usage.artifacts_bytes),
            table::bytes(usage.quarantined_bytes),
            table::bytes(usage.temporary_bytes)
        )?;
        for record in &unreadable {
            writeln!(out, "unreadable   {record}")?;
        }
        for config in &unknown {
            writeln!(out, "unknown      config `{config}`: its scenarios cannot be opened by this program")?;
        }
    }
    let problems = unreadable.len() + unknown.len();
    if problems > 0 {
        return Err(format!("store `{}`: {problems} problem(s) found", store.path().display()).into());
    }
    Ok(())
}
