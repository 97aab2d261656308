//! `versions list|compare|name|delete` and `config diff`: the stored versions of scenario
//! configs (see `taipy-core/src/store/versions.rs`).

use serde_json::json;

use super::args::VersionsCommand;
use super::context::Context;
use super::table::{self, Table};
use crate::{BoxError, ConfigDiff};

pub(crate) fn run(cx: &mut Context<'_>, command: VersionsCommand) -> Result<(), BoxError> {
    match command {
        VersionsCommand::List => list(cx),
        VersionsCommand::Compare { old, new } => {
            let diff = match new {
                Some(new) => cx.store()?.compare_config_versions(&old, &new)?,
                None => {
                    let old = cx.store()?.config_version(&old)?;
                    let config = cx.config(Some(&old.config_id))?;
                    ConfigDiff::between(&old.shape, &config.shape())
                }
            };
            print_diff(cx, &diff)
        }
        VersionsCommand::Name { version, name } => {
            cx.store()?.name_config_version(&version, &name)?;
            writeln!(cx.out(), "version {version} is named `{name}`")?;
            Ok(())
        }
        VersionsCommand::Delete { version, force } => {
            let deleted = cx.store()?.delete_config_version(&version, force)?;
            if cx.json() {
                return cx.print_json(&json!({ "version": version, "deleted_scenarios": deleted }));
            }
            let plural = if deleted.len() == 1 { "" } else { "s" };
            writeln!(cx.out(), "deleted version {version} and {} scenario{plural}", deleted.len())?;
            Ok(())
        }
    }
}

fn list(cx: &mut Context<'_>) -> Result<(), BoxError> {
    let versions = cx.store()?.config_versions()?;
    if cx.json() {
        let rows: Vec<_> = versions
            .iter()
            .map(|v| {
                json!({
                    "config": v.config_id, "fingerprint": v.fingerprint.to_string(), "name": v.name,
                    "recorded_us": v.recorded_us, "scenarios": v.scenarios, "current": v.current,
                })
            })
            .collect();
        return cx.print_json(&json!(rows));
    }
    let mut t = Table::new(["VERSION", "CONFIG", "NAME", "SCENARIOS", "CURRENT", "RECORDED"]);
    for v in &versions {
        t.row([
            v.fingerprint.short(),
            v.config_id.clone(),
            v.name.clone().unwrap_or_else(|| "-".into()),
            v.scenarios.to_string(),
            if v.current { "yes" } else { "" }.to_owned(),
            table::time(v.recorded_us),
        ]);
    }
    t.print(cx.out(), "no config version is stored")?;
    Ok(())
}

/// `config diff`: from the store's current version of a config to the config this binary has.
pub(crate) fn diff_current(cx: &mut Context<'_>, config_id: Option<&str>) -> Result<(), BoxError> {
    let config = cx.config(config_id)?;
    let stored = cx.store()?.config_versions()?.into_iter().find(|v| v.current && v.config_id == config.id());
    let Some(stored) = stored else {
        return Err(format!(
            "the store has no version of config `{}` yet: no scenario of it was created",
            config.id()
        )
        .into());
    };
    print_diff(cx, &ConfigDiff::between(&stored.shape, &config.shape()))
}

fn print_diff(cx: &mut Context<'_>, diff: &ConfigDiff) -> Result<(), BoxError> {
    if cx.json() {
        let lines: Vec<String> = diff.differences().iter().map(ToString::to_string).collect();
        return cx.print_json(&json!({ "differences": lines }));
    }
    writeln!(cx.out(), "{diff}")?;
    Ok(())
}
