//! The views: scenarios grouped by cycle, one scenario (DAG, parameters, nodes, latest jobs), one
//! data node (value, history, lineage), two scenarios compared. Each reads the store through the
//! same calls as the command line's `scenarios`, `nodes`, `lineage` and `compare`.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde_json::json;

use super::html::{esc, page, url};
use super::{PageError, Shared, blocking};
use crate::cli::nodes::{comparator_rows, compare_rows, current_value, show_value, writer_short};
use crate::cli::report::task_failure;
use crate::cli::scenarios::cycle_of;
use crate::cli::table;
use crate::dag::{Dag, Format, short_type};
use crate::{Job, Lineage, Scenario, ScenarioInfo, SubmissionInfo};

/// Rows of a frame shown per page, by default and at most.
const PAGE_ROWS: usize = 50;
const MAX_PAGE_ROWS: usize = 500;

/// `/?tag=T&config=C`: the scenarios by cycle, filtered.
pub(super) async fn index(
    State(shared): State<super::State>,
    Query(filter): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    blocking(move || index_page(&shared, &filter)).await
}

fn index_page(shared: &Shared, filter: &HashMap<String, String>) -> Result<Html<String>, PageError> {
    let wanted = |key: &str| filter.get(key).map(String::as_str).filter(|v| !v.is_empty());
    let (tag, config) = (wanted("tag"), wanted("config"));
    let all = shared.store.scenarios()?;
    let cycles = shared.store.cycles()?;
    let submissions = shared.store.submissions()?;
    let latest = latest_submissions(&submissions);

    let mut tags: Vec<&str> = all.iter().flat_map(|s| s.tags.iter().map(String::as_str)).collect();
    tags.sort_unstable();
    tags.dedup();
    let mut configs: Vec<&str> = all.iter().map(|s| s.config_id.as_str()).collect();
    configs.sort_unstable();
    configs.dedup();

    let mut body = String::from("<h1>Scenarios</h1><form method=\"get\" action=\"/\" class=\"filter\">");
    body += &select("tag", "any tag", &tags, tag);
    body += &select("config", "any config", &configs, config);
    body += "<button type=\"submit\">Filter</button></form>";

    let shown: Vec<&ScenarioInfo> = all
        .iter()
        .filter(|s| tag.is_none_or(|t| s.tags.iter().any(|x| x == t)))
        .filter(|s| config.is_none_or(|c| s.config_id == c))
        .collect();
    // Cycles in the store's order (oldest period first), then the scenarios of no cycle.
    let mut groups: Vec<(String, Vec<(&ScenarioInfo, bool)>)> = Vec::new();
    for s in &shown {
        let (group, primary) = match cycle_of(&cycles, s) {
            Some((name, primary)) => (format!("cycle {name}"), primary),
            None => ("no cycle".to_owned(), false),
        };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, members)) => members.push((s, primary)),
            None => groups.push((group, vec![(s, primary)])),
        }
    }
    if groups.is_empty() {
        body += "<p>No scenarios.</p>";
    }
    for (group, members) in &groups {
        let _ = write!(body, "<section class=\"cycle\"><h2>{}</h2><table class=\"scenarios\">", esc(group));
        body += "<tr><th>Name</th><th>Config</th><th>Tags</th><th>Primary</th><th>Created</th><th>Last submission</th></tr>";
        for (s, primary) in members {
            let status = latest.get(s.id.as_str()).map(|sub| format!("{:?}", sub.status));
            let _ = write!(
                body,
                "<tr data-scenario=\"{id}\"><td><a href=\"/scenarios/{uid}\">{name}</a></td><td>{config}</td>\
                 <td>{tags}</td><td>{primary}</td><td>{created}</td><td class=\"status-{status}\">{status}</td></tr>",
                id = esc(&s.id),
                uid = url(&s.id),
                name = esc(&s.name),
                config = esc(&s.config_id),
                tags = s
                    .tags
                    .iter()
                    .map(|t| format!("<span class=\"tag\">{}</span>", esc(t)))
                    .collect::<String>(),
                primary = if *primary { "★ primary" } else { "" },
                created = esc(&table::time(s.created_us)),
                status = esc(status.as_deref().unwrap_or("never submitted")),
            );
        }
        body += "</table></section>";
    }
    if all.len() >= 2 {
        let options: String = all
            .iter()
            .map(|s| {
                format!("<option value=\"{}\">{} ({})</option>", esc(&s.id), esc(&s.name), esc(&s.config_id))
            })
            .collect();
        let _ = write!(
            body,
            "<section><h2>Compare two scenarios</h2><form method=\"get\" action=\"/compare\" class=\"filter\">\
             <select name=\"a\">{options}</select> <select name=\"b\">{options}</select> \
             <button type=\"submit\">Compare</button></form></section>"
        );
    }
    Ok(page("Scenarios", None, &body))
}

/// A `<select>` of `options` with a first, empty choice `any`.
fn select(name: &str, any: &str, options: &[&str], chosen: Option<&str>) -> String {
    let mut out = format!("<label>{name} <select name=\"{name}\"><option value=\"\">{any}</option>");
    for option in options {
        let selected = if chosen == Some(*option) { " selected" } else { "" };
        let _ = write!(out, "<option{selected}>{}</option>", esc(option));
    }
    out + "</select></label> "
}

/// The latest submission of each scenario, by scenario id.
fn latest_submissions(all: &[SubmissionInfo]) -> HashMap<&str, &SubmissionInfo> {
    // Oldest first: the last one inserted wins.
    all.iter().map(|s| (s.scenario.as_str(), s)).collect()
}

/// `/scenarios/{id}`.
pub(super) async fn scenario(
    State(shared): State<super::State>,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    blocking(move || scenario_page(&shared, &id)).await
}

fn scenario_page(shared: &Shared, id: &str) -> Result<Html<String>, PageError> {
    let scenario = shared.scenario(id)?;
    let config = scenario.config().clone();
    let tags = scenario.tags()?;
    let cycle = scenario.cycle()?.map(|c| (c.primary.as_deref() == Some(scenario.id()), c.name));
    let mut body = format!("<h1 id=\"scenario-name\">{}</h1><dl class=\"meta\">", esc(scenario.name()));
    let _ = write!(
        body,
        "<dt>id</dt><dd>{}</dd><dt>config</dt><dd>{}</dd><dt>created</dt><dd>{}</dd>",
        esc(scenario.id()),
        esc(config.id()),
        esc(&table::time(scenario.created_us()))
    );
    if let Some((primary, name)) = &cycle {
        let _ =
            write!(body, "<dt>cycle</dt><dd>{}{}</dd>", esc(name), if *primary { " (primary)" } else { "" });
    }
    if !tags.is_empty() {
        let tags: String = tags.iter().map(|t| format!("<span class=\"tag\">{}</span>", esc(t))).collect();
        let _ = write!(body, "<dt>tags</dt><dd>{tags}</dd>");
    }
    body += "</dl>";
    let parts = live_parts(shared, &scenario)?;
    let _ =
        write!(body, "<section><h2>Graph</h2><div id=\"dag\" class=\"dag\">{}</div></section>", parts.dag);
    body += &parameters_form(shared, &scenario)?;
    let _ =
        write!(body, "<section><h2>Latest submission</h2><div id=\"jobs\">{}</div></section>", parts.jobs);
    let _ = write!(body, "<section><h2>Data nodes</h2><div id=\"nodes\">{}</div></section>", parts.nodes);
    let live = format!("/scenarios/{}/live", url(scenario.id()));
    Ok(page(scenario.name(), Some(&live), &body))
}

/// The parts of a scenario's page the live updates redraw.
pub(super) struct LiveParts {
    dag: String,
    jobs: String,
    nodes: String,
}

impl LiveParts {
    /// The parts as the JSON of one server-sent event: element id → inner HTML.
    pub(super) fn to_json(&self) -> String {
        json!({ "dag": self.dag, "jobs": self.jobs, "nodes": self.nodes }).to_string()
    }
}

/// The DAG coloured by the latest job statuses, the latest submission's jobs, the nodes' table.
pub(super) fn live_parts(shared: &Shared, scenario: &Scenario) -> Result<LiveParts, PageError> {
    let svg = Dag::of_scenario(scenario)?.render(Format::Svg);
    let dag = match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    };
    let latest = shared.store.submissions()?.into_iter().rfind(|s| s.scenario == scenario.id());
    let jobs = match latest {
        None => "<p>Never submitted.</p>".to_owned(),
        Some(submission) => jobs_table(&submission),
    };
    Ok(LiveParts { dag, jobs, nodes: nodes_table(scenario)? })
}

fn jobs_table(submission: &SubmissionInfo) -> String {
    let mut out = format!(
        "<p>Submission <code>{}</code> at {}: <strong id=\"submission-status\" data-status=\"{:?}\">{:?}</strong></p>",
        esc(&submission.id),
        esc(&table::time(submission.created_us)),
        submission.status,
        submission.status
    );
    out += "<table class=\"jobs\"><tr><th>Task</th><th>Status</th><th>Duration</th><th>Reason</th><th>Job</th></tr>";
    for job in &submission.jobs {
        out += &job_row(job);
    }
    out + "</table>"
}

fn job_row(job: &Job) -> String {
    let failure = job
        .error
        .as_ref()
        .map(|e| format!("<pre class=\"failure\">{}</pre>", esc(&task_failure(e))))
        .unwrap_or_default();
    format!(
        "<tr data-task=\"{task}\" data-status=\"{status}\"><td>{task}</td><td class=\"status status-{status}\">{status}</td>\
         <td>{duration}</td><td>{reason}{failure}</td><td><code>{id}</code></td></tr>",
        task = esc(&job.task),
        status = esc(&job.status.to_string()),
        duration = esc(&table::duration(job.duration())),
        reason = esc(&job.reason.as_ref().map(ToString::to_string).unwrap_or_default()),
        id = esc(&job.id),
    )
}

fn nodes_table(scenario: &Scenario) -> Result<String, PageError> {
    let mut out = String::from(
        "<table class=\"nodes\"><tr><th>Node</th><th>Type</th><th>Version</th><th>Written by</th><th>Value</th></tr>",
    );
    for node in scenario.config().nodes() {
        let (version, value) = current_value(scenario, node.id())?;
        let _ = write!(
            out,
            "<tr data-node=\"{name}\"><td><a href=\"/scenarios/{sid}/nodes/{uname}\">{name}</a></td><td>{ty}</td>\
             <td>{version}</td><td>{writer}</td><td class=\"value\">{value}</td></tr>",
            name = esc(node.id()),
            sid = url(scenario.id()),
            uname = url(node.id()),
            ty = esc(&short_type(node.value_type().name())),
            version = version.as_ref().map_or("-".into(), |v| format!("#{}", v.number)),
            writer = esc(&version.as_ref().map_or("-".into(), writer_short)),
            value = esc(&value),
        );
    }
    Ok(out + "</table>")
}

/// The form of the scenario's parameters: every node no task produces whose value has a text
/// form, checked by the server against the node's type when submitted.
fn parameters_form(shared: &Shared, scenario: &Scenario) -> Result<String, PageError> {
    let config = scenario.config();
    let produced: Vec<&str> =
        config.tasks().iter().flat_map(|t| t.output_nodes()).map(String::as_str).collect();
    let mut fields = String::new();
    for node in config.nodes().iter().filter(|n| !produced.contains(&n.id())) {
        let current = match scenario.node_current(node.id())? {
            Some(_) => scenario.read_toml(node.id(), None)?.1,
            None => None,
        };
        let Some(current) = current else { continue };
        // Browsers compile `pattern` with the `v` flag, where a `-` in a class must be escaped.
        let (kind, pattern) = match &current {
            toml::Value::Float(_) => {
                ("float", Some(r"[+\-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+\-]?[0-9]+)?|[+\-]?inf|nan"))
            }
            toml::Value::Integer(_) => ("integer", Some(r"[+\-]?[0-9]+")),
            toml::Value::Boolean(_) => ("bool", Some("true|false")),
            _ => ("text", None),
        };
        let _ = write!(
            fields,
            "<label class=\"param\"><span>{name} <small>{ty}</small></span>\
             <input name=\"set.{name}\" id=\"param-{name}\" data-kind=\"{kind}\" value=\"{value}\"{pattern}></label>",
            name = esc(node.id()),
            ty = esc(&short_type(node.value_type().name())),
            value = esc(&show_value(&current)),
            pattern = pattern.map(|p| format!(" pattern=\"{}\"", esc(p))).unwrap_or_default(),
        );
    }
    Ok(format!(
        "<section><h2>Parameters</h2><form method=\"post\" action=\"/scenarios/{id}/submit\" id=\"parameters\">\
         <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\">{fields}\
         <label class=\"force\"><input type=\"checkbox\" name=\"force\" value=\"1\"> run every task</label>\
         <button type=\"submit\" id=\"submit\">Write and submit</button></form></section>",
        id = url(scenario.id()),
        csrf = esc(&shared.csrf),
    ))
}

/// `/scenarios/{id}/nodes/{node}?offset=N&limit=M`.
pub(super) async fn node(
    State(shared): State<super::State>,
    Path((id, node)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let number = |key: &str| -> Result<Option<usize>, PageError> {
        query
            .get(key)
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| PageError::bad_request(format!("`{key}` must be a row count, not `{v}`")))
            })
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let limit = number("limit")?.unwrap_or(PAGE_ROWS).clamp(1, MAX_PAGE_ROWS);
    blocking(move || node_page(&shared, &id, &node, offset, limit)).await
}

fn node_page(
    shared: &Shared,
    id: &str,
    name: &str,
    offset: usize,
    limit: usize,
) -> Result<Html<String>, PageError> {
    let scenario = shared.scenario(id)?;
    let config = scenario.node_config(name)?;
    let type_name = config.value_type().name();
    let mut body = format!(
        "<h1>{name}</h1><p>Data node of scenario <a href=\"/scenarios/{sid}\">{sname}</a>, type <code>{ty}</code>, \
         scope {scope:?}.</p>",
        name = esc(name),
        sid = url(scenario.id()),
        sname = esc(scenario.name()),
        ty = esc(type_name),
        scope = config.node_scope(),
    );
    body += "<section><h2>Current value</h2><div id=\"value\">";
    if scenario.node_current(name)?.is_none() {
        body += "<p>Never written.</p>";
    } else {
        let (version, table) = scenario.read_table(name, None, offset..offset.saturating_add(limit))?;
        match table {
            Some(table) => body += &table_html(&scenario, name, &table, limit),
            None => match scenario.read_toml(name, None)?.1 {
                Some(value) => {
                    let _ = write!(body, "<pre class=\"scalar\">{}</pre>", esc(&show_value(&value)));
                }
                None => {
                    let _ = write!(
                        body,
                        "<p>A <code>{}</code> has no text form (hash {}).</p>",
                        esc(type_name),
                        version.hash
                    );
                }
            },
        }
    }
    body += "</div></section><section><h2>History</h2><table class=\"history\" id=\"history\">";
    body += "<tr><th>Version</th><th>Written</th><th>By</th><th>Hash</th><th>Comment</th></tr>";
    for version in scenario.node_history(name)?.iter().rev() {
        let _ = write!(
            body,
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            version.number,
            esc(&table::time(version.written_us)),
            esc(&version.writer.to_string()),
            esc(&version.hash.short()),
            esc(version.comment.as_deref().unwrap_or("")),
        );
    }
    body += "</table></section><section><h2>Lineage</h2><div id=\"lineage\" class=\"lineage\">";
    match scenario.node_current(name)? {
        Some(_) => body += &format!("<ul>{}</ul>", lineage_html(&scenario.node_lineage(name, None)?)),
        None => body += "<p>Never written.</p>",
    }
    body += "</div></section>";
    Ok(page(&format!("{name} · {}", scenario.name()), None, &body))
}

/// A page of a frame: column names with their types, the rows, links to the pages around.
fn table_html(scenario: &Scenario, name: &str, table: &crate::TablePage, limit: usize) -> String {
    let rows = table.rows();
    let mut out = format!(
        "<p class=\"pager\" id=\"pager\">rows {} to {} of {} ",
        if rows.is_empty() { rows.start } else { rows.start + 1 },
        rows.end,
        table.total
    );
    let link = |offset: usize, label: &str| {
        format!(
            "<a href=\"/scenarios/{}/nodes/{}?offset={offset}&amp;limit={limit}\">{label}</a> ",
            url(scenario.id()),
            url(name)
        )
    };
    if rows.start > 0 {
        out += &link(rows.start.saturating_sub(limit), "previous");
    }
    if rows.end < table.total {
        out += &link(rows.end, "next");
    }
    out += "</p><table class=\"frame\"><tr>";
    for column in &table.columns {
        let _ = write!(out, "<th>{}<br><small>{}</small></th>", esc(&column.name), esc(&column.type_name));
    }
    out += "</tr>";
    for row in &table.cells {
        out += "<tr>";
        for cell in row {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out += "</tr>";
    }
    out + "</table>"
}

/// A lineage as nested lists: each version, who wrote it, and the versions it was made from.
fn lineage_html(lineage: &Lineage) -> String {
    let mut out = format!(
        "<li><span class=\"node\">{}</span> #{} <code>{}</code> written by {}",
        esc(&lineage.node),
        lineage.number,
        esc(&lineage.hash.short()),
        esc(&lineage.writer.to_string())
    );
    if let Some(file) = &lineage.file {
        let _ = write!(out, ", file <code>{}</code>", esc(&file.display().to_string()));
    }
    if let Some(missing) = &lineage.missing {
        let _ = write!(out, " <em>({})</em>", esc(missing));
    }
    if !lineage.inputs.is_empty() {
        out += "<ul>";
        for input in &lineage.inputs {
            out += &lineage_html(input);
        }
        out += "</ul>";
    }
    out + "</li>"
}

/// `/compare?a=ID&b=ID`.
pub(super) async fn compare(
    State(shared): State<super::State>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let (Some(a), Some(b)) = (query.get("a").cloned(), query.get("b").cloned()) else {
        return Err(PageError::bad_request("comparing needs two scenario ids: `/compare?a=ID&b=ID`"));
    };
    blocking(move || {
        let (a, b) = (shared.scenario(&a)?, shared.scenario(&b)?);
        let rows = compare_rows(&a, &b).map_err(|e| PageError::bad_request(e.to_string()))?;
        let mut body = format!(
            "<h1>{} and {}</h1><table class=\"compare\" id=\"compare\"><tr><th>Node</th><th>{}</th><th>{}</th><th></th></tr>",
            esc(a.name()),
            esc(b.name()),
            esc(a.name()),
            esc(b.name())
        );
        for (node, va, vb, same) in rows {
            let _ = write!(
                body,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{class}</td></tr>",
                esc(&node),
                esc(&va),
                esc(&vb),
                class = if same { "same" } else { "differs" }
            );
        }
        body += "</table>";
        body += &comparator_results(&a, &b);
        Ok(page(&format!("{} and {}", a.name(), b.name()), None, &body))
    })
    .await
}

/// The results of the nodes' comparators on `a` then `b`, one row each (in their `Debug` form);
/// empty when no node declares one.
fn comparator_results(a: &Scenario, b: &Scenario) -> String {
    let mut rows = String::new();
    for row in comparator_rows(a, b) {
        let text = row.outcome.unwrap_or_else(|error| error);
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&row.node),
            esc(&row.comparator),
            esc(&text)
        );
    }
    if rows.is_empty() {
        return rows;
    }
    format!(
        "<h2>Comparators</h2><table class=\"compare\" id=\"comparators\"><tr><th>Node</th><th>Comparator</th><th>Result</th></tr>{rows}</table>"
    )
}
