//! The `ui` command's web server over plain HTTP (no browser): the pages answer, and the safety
//! rules hold — a local `Host` on loopback, the access token when bound elsewhere, POST with a
//! CSRF token for every change, 404 for an unknown id, 400 for a value that does not fit its
//! node, and a refused request changes nothing.

#[path = "common/lines.rs"]
mod lines;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lines::Lines;
use taipy::cli::Cli;
use taipy::prelude::*;

/// Scales the price.
#[task]
pub fn double_price(price: &f64, factor: &f64) -> f64 {
    price * factor
}

/// Set to let [`held`] finish.
static RELEASED: AtomicBool = AtomicBool::new(false);

/// Adds one, once the test lets it.
#[task]
pub fn held(price: &f64) -> f64 {
    while !RELEASED.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5));
    }
    price + 1.0
}

/// Set to let [`held_too`] finish.
static RELEASED_TOO: AtomicBool = AtomicBool::new(false);

/// Adds two, once the test lets it.
#[task]
pub fn held_too(price: &f64) -> f64 {
    while !RELEASED_TOO.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5));
    }
    price + 2.0
}

fn config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("pricing")
        .node(DataNodeConfig::with_default("price", 21.0f64))
        .node(DataNodeConfig::with_default("factor", 2.0f64))
        .task(TaskConfig::of::<double_price>().inputs(["price", "factor"]).outputs(["doubled"]))
        .build()
        .unwrap()
}

/// A store with one scenario `q3`, and the `ui` command serving it on `bind` in a thread of its
/// own; returns the printed address and the scenario's id.
struct Served {
    _dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`, to connect to.
    addr: String,
    /// The first line the command printed.
    banner: String,
    id: String,
}

fn serve(bind: &str) -> Served {
    serve_config(bind, config, StoreOptions::default())
}

fn serve_config(bind: &str, config: fn() -> Arc<ScenarioConfig>, options: StoreOptions) -> Served {
    serve_prepared(bind, config, options, |_| {})
}

/// As [`serve_config`], with `prepare` run on the store (holding `q3`) before it is served.
fn serve_prepared(
    bind: &str,
    config: fn() -> Arc<ScenarioConfig>,
    options: StoreOptions,
    prepare: fn(&Store),
) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let id = {
        let store = Store::open(&path).unwrap();
        let id = Scenario::create(&store, &config(), "q3").unwrap().id().to_owned();
        prepare(&store);
        id
    };
    let (sender, lines) = mpsc::channel();
    let bind = bind.to_owned();
    std::thread::spawn(move || {
        let cli = Cli::new().scenario(config()).store_options(options);
        let (mut out, mut err) = (Lines(sender.clone(), Vec::new()), Lines(sender, Vec::new()));
        let args = ["taipy", "--store", path.to_str().unwrap(), "ui", "--bind", &bind];
        cli.run_from(args, &mut out, &mut err);
    });
    let banner = lines.recv_timeout(Duration::from_secs(60)).expect("the server starts");
    let url = banner.split("http://").nth(1).expect("an address").to_owned();
    let port = url.split('/').next().unwrap().rsplit(':').next().unwrap().to_owned();
    Served { _dir: dir, addr: format!("127.0.0.1:{port}"), banner, id }
}

/// An HTTP answer: status, headers (lowercase names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a new connection; `extra` are more header lines.
fn request(addr: &str, method: &str, path: &str, extra: &[&str], body: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for line in extra {
        head += &format!("{line}\r\n");
    }
    if !body.is_empty() || method == "POST" {
        head +=
            &format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len());
    }
    stream.write_all(format!("{head}\r\n{body}").as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: body.to_owned() }
}

fn get(addr: &str, path: &str) -> Answer {
    request(addr, "GET", path, &[], "")
}

/// The CSRF token the scenario's form carries.
fn csrf(served: &Served) -> String {
    let page = get(&served.addr, &format!("/scenarios/{}", served.id)).body;
    let start = page.find("name=\"_csrf\" value=\"").expect("a CSRF field") + "name=\"_csrf\" value=\"".len();
    page[start..start + 32].to_owned()
}

/// The versions of `price` the node's page lists.
fn price_versions(served: &Served) -> usize {
    versions(served, "price")
}

/// The versions of `node` the node's page lists.
fn versions(served: &Served, node: &str) -> usize {
    let page = get(&served.addr, &format!("/scenarios/{}/nodes/{node}", served.id)).body;
    let history = &page[page.find("id=\"history\"").unwrap()..];
    history[..history.find("</table>").unwrap()].matches("<tr><td>#").count()
}

#[test]
fn the_pages_answer_on_loopback() {
    let served = serve("127.0.0.1:0");
    assert!(served.banner.starts_with("serving the taipy page on http://127.0.0.1:"), "{}", served.banner);
    let index = get(&served.addr, "/");
    assert_eq!(index.status, 200, "{}", index.body);
    assert!(index.body.contains(">q3</a>") && index.body.contains("never submitted"), "{}", index.body);
    assert_eq!(index.header("x-frame-options"), Some("DENY"));
    let scenario = get(&served.addr, &format!("/scenarios/{}", served.id));
    assert_eq!(scenario.status, 200);
    assert!(
        scenario.body.contains("<svg") && scenario.body.contains("name=\"set.price\""),
        "{}",
        scenario.body
    );
    let filtered = get(&served.addr, "/?tag=nothing-has-it");
    assert!(!filtered.body.contains(">q3</a>"));
    // The live updates start with the page's parts as they are.
    let mut stream = TcpStream::connect(&served.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(stream, "GET /scenarios/{}/live HTTP/1.1\r\nHost: {}\r\n\r\n", served.id, served.addr).unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("event: update") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the stream ended: {seen}");
        seen += &String::from_utf8_lossy(&buf[..n]);
    }
    assert!(seen.contains("text/event-stream"), "{seen}");
}

#[test]
fn a_submission_from_the_form_writes_the_value_and_runs_the_jobs() {
    let served = serve("127.0.0.1:0");
    let token = csrf(&served);
    let submitted = request(
        &served.addr,
        "POST",
        &format!("/scenarios/{}/submit", served.id),
        &[],
        &format!("_csrf={token}&set.price=50&set.factor=2.0"),
    );
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let node = format!("/scenarios/{}/nodes/doubled", served.id);
    let start = Instant::now();
    loop {
        let page = get(&served.addr, &node).body;
        if page.contains("<pre class=\"scalar\">100.0</pre>") {
            assert!(page.contains("task double_price"), "the writer is named: {page}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never computed: {page}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(price_versions(&served), 2);
    // The form sends every parameter: one whose text did not change is not written again.
    assert_eq!(versions(&served, "factor"), 1);
    let scenario = get(&served.addr, &format!("/scenarios/{}", served.id)).body;
    assert!(scenario.contains("data-task=\"double_price\" data-status=\"Completed\""), "{scenario}");
}

#[test]
fn unknown_ids_are_404_with_a_readable_page() {
    let served = serve("127.0.0.1:0");
    let missing = get(&served.addr, "/scenarios/no-such-id");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("no scenario with id `no-such-id`"), "{}", missing.body);
    let node = get(&served.addr, &format!("/scenarios/{}/nodes/nope", served.id));
    assert_eq!(node.status, 404);
    assert!(
        node.body.contains("has no data node `nope`; declared nodes: price, factor, doubled"),
        "{}",
        node.body
    );
    assert_eq!(get(&served.addr, "/etc/passwd").status, 404);
    let compare = get(&served.addr, &format!("/compare?a={}&b=other", served.id));
    assert_eq!(compare.status, 404);
}

#[test]
fn a_value_that_does_not_fit_is_400_and_changes_nothing() {
    let served = serve("127.0.0.1:0");
    let token = csrf(&served);
    let path = format!("/scenarios/{}/submit", served.id);
    let bad = request(&served.addr, "POST", &path, &[], &format!("_csrf={token}&set.price=abc"));
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("value `abc` does not fit data node `price` of type `f64`"),
        "the message names the node and its type: {}",
        bad.body
    );
    assert_eq!(price_versions(&served), 1);
    let scenario = get(&served.addr, &format!("/scenarios/{}", served.id)).body;
    assert!(scenario.contains("Never submitted."), "nothing was submitted");
}

#[test]
fn changes_need_a_post_with_the_csrf_token() {
    let served = serve("127.0.0.1:0");
    let path = format!("/scenarios/{}/submit", served.id);
    let none = request(&served.addr, "POST", &path, &[], "set.price=50");
    assert_eq!(none.status, 403);
    assert!(none.body.contains("no CSRF token"), "{}", none.body);
    let wrong = request(&served.addr, "POST", &path, &[], &format!("_csrf={}&set.price=50", "0".repeat(32)));
    assert_eq!(wrong.status, 403);
    assert!(wrong.body.contains("does not match"), "{}", wrong.body);
    assert_eq!(get(&served.addr, &format!("{path}?_csrf=x&set.price=50")).status, 405);
    assert_eq!(price_versions(&served), 1);
}

#[test]
fn a_loopback_server_refuses_other_host_names() {
    let served = serve("127.0.0.1:0");
    let rebound = request(&served.addr, "GET", "/", &["Host: attacker.example"], "");
    // A second Host line does not sneak past the check.
    assert_eq!(rebound.status, 403);
    let mut stream = TcpStream::connect(&served.addr).unwrap();
    write!(stream, "GET / HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(text.contains("answers requests for 127.0.0.1"), "{text}");
}

#[test]
fn bound_elsewhere_every_request_needs_the_printed_token() {
    let served = serve("0.0.0.0:0");
    let token = served.banner.split("?token=").nth(1).expect("the token is printed").to_owned();
    assert_eq!(token.len(), 32, "{}", served.banner);
    let refused = get(&served.addr, "/");
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("needs the access token"), "{}", refused.body);
    assert_eq!(get(&served.addr, "/assets/app.js").status, 401);
    assert_eq!(get(&served.addr, &format!("/scenarios/{}", served.id)).status, 401);
    assert_eq!(get(&served.addr, "/?token=wrong").status, 401);
    // A POST without the token changes nothing, CSRF token or not.
    let post =
        request(&served.addr, "POST", &format!("/scenarios/{}/submit", served.id), &[], "set.price=50");
    assert_eq!(post.status, 401);

    let welcome = get(&served.addr, &format!("/?token={token}"));
    assert_eq!(welcome.status, 200);
    let cookie = welcome.header("set-cookie").expect("a cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = request(&served.addr, "GET", "/", &[&format!("Cookie: {cookie}")], "");
    assert_eq!(with_cookie.status, 200);
    let bearer = request(&served.addr, "GET", "/", &[&format!("Authorization: Bearer {token}")], "");
    assert_eq!(bearer.status, 200);
    let node = request(
        &served.addr,
        "GET",
        &format!("/scenarios/{}/nodes/price", served.id),
        &[&format!("Cookie: {cookie}")],
        "",
    );
    assert!(node.body.contains("<tr><td>#1</td>"), "nothing was written: {}", node.body);
}

fn held_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("held")
        .node(DataNodeConfig::with_default("price", 1.0f64))
        .task(TaskConfig::of::<held>().inputs(["price"]).outputs(["more"]))
        .build()
        .unwrap()
}

#[test]
fn pages_are_read_and_updated_live_while_a_submission_runs() {
    let served = serve_config("127.0.0.1:0", held_config, StoreOptions::default());
    // The live updates, followed from before the submission.
    let mut live = TcpStream::connect(&served.addr).unwrap();
    live.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(live, "GET /scenarios/{}/live HTTP/1.1\r\nHost: {}\r\n\r\n", served.id, served.addr).unwrap();
    let (sender, updates) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = live.read(&mut buf) {
            if n == 0 || sender.send(String::from_utf8_lossy(&buf[..n]).into_owned()).is_err() {
                break;
            }
        }
    });

    let token = csrf(&served);
    let (addr, path) = (served.addr.clone(), format!("/scenarios/{}/submit", served.id));
    let post = std::thread::spawn(move || {
        request(&addr, "POST", &path, &[], &format!("_csrf={token}&set.price=41"))
    });

    // While the task runs, the live updates show it running and the pages answer.
    let running = r#"data-task=\"held\" data-status=\"Running\""#;
    let mut seen = String::new();
    while !seen.contains(running) {
        seen += &updates
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("never running: {seen}"));
    }
    let page = get(&served.addr, &format!("/scenarios/{}", served.id));
    assert!(
        page.status == 200 && page.body.contains("data-task=\"held\" data-status=\"Running\""),
        "{}",
        page.body
    );
    assert_eq!(get(&served.addr, "/").status, 200);
    let more = get(&served.addr, &format!("/scenarios/{}/nodes/more", served.id));
    assert!(more.status == 200 && more.body.contains("Never written."), "{}", more.body);
    RELEASED.store(true, Ordering::SeqCst);
    assert_eq!(post.join().unwrap().status, 303);

    // Then they show it completed.
    while !seen.contains(r#"data-task=\"held\" data-status=\"Completed\""#) {
        seen +=
            &updates.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("no update: {seen}"));
    }
}

/// In development mode the orchestrator runs the jobs in the submitting thread: the page still
/// answers the submit at once, and follows the jobs live.
#[test]
fn a_development_store_answers_the_submit_before_its_jobs_finish() {
    fn held_too_config() -> Arc<ScenarioConfig> {
        ScenarioConfig::builder("held_too")
            .node(DataNodeConfig::with_default("price", 1.0f64))
            .task(TaskConfig::of::<held_too>().inputs(["price"]).outputs(["more"]))
            .build()
            .unwrap()
    }
    let served = serve_config("127.0.0.1:0", held_too_config, StoreOptions::development());
    let token = csrf(&served);
    let (addr, path) = (served.addr.clone(), format!("/scenarios/{}/submit", served.id));
    let (sender, answer) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(request(&addr, "POST", &path, &[], &format!("_csrf={token}&set.price=41")));
    });
    let answered = answer.recv_timeout(Duration::from_secs(30));
    RELEASED_TOO.store(true, Ordering::SeqCst);
    let answered = answered.expect("the submit is answered while its job runs");
    assert_eq!(answered.status, 303, "{}", answered.body);
}

/// Scenarios of a config with a frequency are grouped under their cycle, the primary one marked.
#[test]
fn scenarios_are_grouped_by_cycle_and_filtered_by_config() {
    fn monthly() -> Arc<ScenarioConfig> {
        ScenarioConfig::builder("monthly")
            .frequency(taipy::Frequency::Monthly)
            .node(DataNodeConfig::with_default("price", 21.0f64))
            .node(DataNodeConfig::with_default("factor", 2.0f64))
            .task(TaskConfig::of::<double_price>().inputs(["price", "factor"]).outputs(["doubled"]))
            .build()
            .unwrap()
    }
    let served = serve_config("127.0.0.1:0", monthly, StoreOptions::default());
    let index = get(&served.addr, "/").body;
    let cycle = index.find("<h2>cycle ").expect("a cycle group");
    let row = index.find(&format!("data-scenario=\"{}\"", served.id)).unwrap();
    assert!(cycle < row, "the scenario is listed under its cycle: {index}");
    assert!(index[row..].split("</tr>").next().unwrap().contains("★ primary"), "{index}");
    assert!(get(&served.addr, "/?config=monthly").body.contains("data-scenario="));
    assert!(!get(&served.addr, "/?config=other").body.contains("data-scenario="));
}

#[test]
fn the_compare_page_shows_the_comparators_results() {
    fn compared() -> Arc<ScenarioConfig> {
        let price = DataNodeConfig::with_default("price", 21.0f64)
            .comparator::<f64, _>("rise", |prices: &[&f64]| *prices[1] - *prices[0]);
        ScenarioConfig::builder("compared")
            .node(price)
            .node(DataNodeConfig::with_default("factor", 2.0f64))
            .task(TaskConfig::of::<double_price>().inputs(["price", "factor"]).outputs(["doubled"]))
            .build()
            .unwrap()
    }
    // A second scenario, priced 4.5 higher.
    fn priced_higher(store: &Store) {
        let q4 = Scenario::create(store, &compared(), "q4").unwrap();
        q4.data_node::<f64>("price").unwrap().write(25.5).unwrap();
    }
    let served = serve_prepared("127.0.0.1:0", compared, StoreOptions::default(), priced_higher);
    let index = get(&served.addr, "/").body;
    let row = index.find("data-scenario=\"").map(|_| ()).and_then(|_| {
        index
            .split("data-scenario=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap())
            .find(|id| *id != served.id)
    });
    let other = row.expect("q4 is listed").to_owned();
    let page = get(&served.addr, &format!("/compare?a={}&b={other}", served.id));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"comparators\""), "{}", page.body);
    assert!(page.body.contains("<td>price</td><td>rise</td><td>4.5</td>"), "{}", page.body);
}
