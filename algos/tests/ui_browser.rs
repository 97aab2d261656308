//! The `ui` command's page in a real browser: headless Chromium from the distribution (`apt-get
//! install chromium chromium-driver`, as `.ci/run` does), driven through chromedriver
//! (WebDriver) by fantoccini.
//!
//! On a customer-analysis store (the committed sample, submitted once), the test opens the page,
//! changes `payment_threshold`, submits, watches three jobs complete and one skip, reads the new
//! summary and opens the lineage of `high_value_summary_df`. Screenshots of the main views go to
//! `target/tmp/ui-screenshots/` (two of them are `docs/ui-*.png`, shown in the README).

#[path = "../../tests/common/lines.rs"]
mod lines;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use algos::CustomerAnalysis;
use fantoccini::{Client, ClientBuilder, Locator};
use lines::Lines;
use taipy::Store;
use taipy::cli::Cli;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long to wait for the page to reach a state (a bound, not a measurement).
const PATIENCE: Duration = Duration::from_secs(120);

/// Serves `store` with the customer analysis's command line; returns the page's address.
fn serve(store: PathBuf) -> String {
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let cli = Cli::new().scenario(CustomerAnalysis::config());
        let (mut out, mut err) = (Lines(sender.clone(), Vec::new()), Lines(sender, Vec::new()));
        let args = ["customer_cli", "--store", store.to_str().unwrap(), "ui", "--bind", "127.0.0.1:0"];
        cli.run_from(args, &mut out, &mut err);
    });
    let banner = lines.recv_timeout(Duration::from_secs(60)).expect("the server starts");
    let address = banner.split("http://").nth(1).unwrap_or_else(|| panic!("no address in `{banner}`"));
    format!("http://{}", address.trim_end_matches('/'))
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver, or `None` (with the reason printed) on a machine without the browser, outside
/// CI: `cargo test --workspace` works for a newcomer who has not installed it, and CI (which sets
/// `CI` and installs both) fails instead of skipping.
fn start_driver() -> Option<Driver> {
    for path in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(path).exists() {
            let reason = format!(
                "{path} is missing: the browser test needs Debian's chromium and chromedriver \
                 (`apt-get install -y chromium chromium-driver`, as .ci/run does)"
            );
            assert!(std::env::var_os("CI").is_none(), "{reason}");
            eprintln!("skipped: {reason}");
            return None;
        }
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "chromedriver does not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver { child, url: format!("http://127.0.0.1:{port}") })
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1440,1400", "--hide-scrollbars"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Where the screenshots go: `target/tmp/ui-screenshots/`.
fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// The task and `data-status` of each job row of the scenario's page, in the table's order,
/// read in one script (the live updates replace the rows at any time).
async fn job_statuses(client: &Client) -> Vec<(String, String)> {
    let script = "return Array.from(document.querySelectorAll('#jobs tr[data-task]'))\
                  .map(row => [row.dataset.task, row.dataset.status]);";
    let rows = client.execute(script, Vec::new()).await.unwrap();
    serde_json::from_value(rows).unwrap()
}

/// Waits until the job rows satisfy `done`; returns them.
async fn wait_for_jobs(client: &Client, done: impl Fn(&[(String, String)]) -> bool) -> Vec<(String, String)> {
    let start = Instant::now();
    loop {
        let statuses = job_statuses(client).await;
        if done(&statuses) {
            return statuses;
        }
        assert!(start.elapsed() < PATIENCE, "the jobs never got there: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of a frame's table (its first page).
async fn frame_text(client: &Client, page: &str) -> String {
    client.goto(page).await.unwrap();
    client
        .find(Locator::Css("#value table.frame"))
        .await
        .expect("the summary is a table")
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_a_parameter_submit_and_follow_the_jobs_in_chromium() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let id = {
        let store = Store::open(&store_path).unwrap();
        let q3 = CustomerAnalysis::create(&store, "q3").unwrap();
        q3.add_tag("walkthrough").unwrap();
        q3.submit().unwrap().wait().unwrap();
        let q4 = CustomerAnalysis::create(&store, "q4").unwrap();
        (q3.id().to_owned(), q4.id().to_owned())
    };
    let (id, other) = id;
    let base = serve(store_path);
    let client = browser(&driver).await;
    let summary_page = format!("{base}/scenarios/{id}/nodes/high_value_summary_df");
    let segments_page = format!("{base}/scenarios/{id}/nodes/segment_result");
    let segments_before = frame_text(&client, &segments_page).await;

    // The scenarios, by cycle, with their tags and last submission.
    client.goto(&base).await.unwrap();
    let index = client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(index.contains("q3") && index.contains("q4") && index.contains("walkthrough"), "{index}");
    screenshot(&client, "scenarios").await;

    // One scenario: its DAG, its parameters, its latest jobs (all four ran).
    client.find(Locator::LinkText("q3")).await.unwrap().click().await.unwrap();
    client.wait().at_most(PATIENCE).for_element(Locator::Css("#dag svg")).await.unwrap();
    wait_for_jobs(&client, |jobs| jobs.len() == 4 && jobs.iter().all(|(_, s)| s == "Completed")).await;

    // A value that is not a number: the browser keeps the form (the server would refuse it too).
    let threshold = client.find(Locator::Id("param-payment_threshold")).await.unwrap();
    threshold.clear().await.unwrap();
    threshold.send_keys("abc").await.unwrap();
    client.find(Locator::Id("submit")).await.unwrap().click().await.unwrap();
    let invalid = client.find(Locator::Css("#param-payment_threshold:invalid")).await;
    assert!(invalid.is_ok(), "a non-number is marked invalid");
    let kept = threshold.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("abc"), "the form was not sent");

    threshold.clear().await.unwrap();
    threshold.send_keys("1600").await.unwrap();
    client.find(Locator::Id("submit")).await.unwrap().click().await.unwrap();

    // The jobs appear and finish, followed live: task 1's input did not change.
    let statuses = wait_for_jobs(&client, |jobs| {
        // The first submission ran all four tasks: a skipped one is the new submission's.
        let finished = jobs.len() == 4
            && jobs.iter().all(|(_, s)| s == "Completed" || s == "Skipped")
            && jobs.iter().any(|(_, s)| s == "Skipped");
        finished || jobs.iter().any(|(_, s)| s == "Failed" || s == "Abandoned")
    })
    .await;
    let expected = [
        ("preprocess_and_score", "Skipped"),
        ("featurization_and_segmentation", "Completed"),
        ("segment_analysis", "Completed"),
        ("high_value_cust_summary_statistics", "Completed"),
    ];
    let statuses: Vec<(&str, &str)> = statuses.iter().map(|(t, s)| (t.as_str(), s.as_str())).collect();
    assert_eq!(statuses, expected);
    let jobs = client.find(Locator::Id("jobs")).await.unwrap().text().await.unwrap();
    assert!(jobs.contains("input `payment_threshold` changed"), "the run reason is shown: {jobs}");
    let dag = client.find(Locator::Css("#dag svg")).await.unwrap().html(false).await.unwrap();
    assert!(dag.contains("Skipped") && dag.contains("Completed"), "the DAG shows the statuses");
    client.execute("window.scrollTo(0, 0); return null;", Vec::new()).await.unwrap();
    screenshot(&client, "scenario").await;

    // The new results: the per-segment table counts the new high spenders; the summary is read
    // as it now is (it does not use `HighSpender`, so it kept its content and version).
    let segments = frame_text(&client, &segments_page).await;
    assert_ne!(segments_before, segments, "segment_result changed with the threshold");
    let summary = frame_text(&client, &summary_page).await;
    assert!(summary.contains("median") && !summary.contains("\"median\""), "{summary}");
    assert!(summary.contains("AveragePurchaseHighValue\nf64"), "column types are shown: {summary}");
    let lineage = client.find(Locator::Id("lineage")).await.unwrap().text().await.unwrap();
    for step in
        ["high_value_summary_df", "segmented_customer_df", "payment_threshold", "scored_df", "path_to_data"]
    {
        assert!(lineage.contains(step), "the lineage reaches {step}: {lineage}");
    }
    assert!(lineage.contains("task high_value_cust_summary_statistics"), "{lineage}");
    let history = client.find(Locator::Id("history")).await.unwrap().text().await.unwrap();
    assert!(
        history.contains("#1") && history.contains("task high_value_cust_summary_statistics"),
        "{history}"
    );
    screenshot(&client, "node").await;

    // A large frame is paged: the segmented customers, 50 rows at a time.
    client.goto(&format!("{base}/scenarios/{id}/nodes/segmented_customer_df")).await.unwrap();
    let pager = client.find(Locator::Id("pager")).await.unwrap().text().await.unwrap();
    assert!(pager.starts_with("rows 1 to 50 of 2000"), "{pager}");
    let header = client.find(Locator::Css("table.frame tr")).await.unwrap().text().await.unwrap();
    assert!(header.contains("ValueSegment") && header.contains("f64"), "column types are shown: {header}");
    screenshot(&client, "frame").await;

    // q3 beside q4 (never submitted, default threshold), chosen on the list's form.
    client.goto(&base).await.unwrap();
    client.find(Locator::Css("select[name=b]")).await.unwrap().select_by_value(&other).await.unwrap();
    client.find(Locator::Css("select[name=a]")).await.unwrap().select_by_value(&id).await.unwrap();
    client.find(Locator::Css("form[action='/compare'] button")).await.unwrap().click().await.unwrap();
    // The click starts a navigation: wait for the new page rather than reading the old one.
    let compared = client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Id("compare"))
        .await
        .unwrap_or_else(|e| panic!("no comparison table on the compare page: {e}"))
        .text()
        .await
        .unwrap();
    assert!(compared.contains("payment_threshold 1600.0 1000.0 differs"), "{compared}");
    assert!(compared.contains("score_threshold 1.5 1.5 same"), "{compared}");
    screenshot(&client, "compare").await;

    client.close().await.unwrap();
}
