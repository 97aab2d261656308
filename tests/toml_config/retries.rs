//! The task keys `retries` and `timeout`: read, checked with section and line, exported.

use std::time::Duration;

use taipy::prelude::*;
use taipy::toml::export;

use crate::{STUDIO, edit, load, problems};

const SEGMENT_ANALYSIS_SKIPPABLE: &str =
    "outputs = [ \"segment_result:SECTION\",]\nskippable = \"True:bool\"\n";

/// The tutorial's file with `keys` added to task `segment_analysis` (from line 43 on).
fn with_keys(keys: &str) -> String {
    edit(STUDIO, SEGMENT_ANALYSIS_SKIPPABLE, &format!("{SEGMENT_ANALYSIS_SKIPPABLE}{keys}"))
}

fn segment_analysis(config: &ScenarioConfig) -> &TaskConfig {
    config.tasks().iter().find(|t| t.id() == "segment_analysis").unwrap()
}

#[test]
fn retries_and_timeout_are_read_from_the_task_section() {
    let loaded = load(&with_keys("retries = 2\ntimeout = \"30s\"\n")).unwrap();
    let config = loaded.scenario("scenario_1").unwrap();
    let task = segment_analysis(config);
    assert_eq!((task.retry_count(), task.timeout_limit()), (2, Some(Duration::from_secs(30))));
    let other = config.tasks().iter().find(|t| t.id() == "preprocess_and_score").unwrap();
    assert_eq!((other.retry_count(), other.timeout_limit()), (0, None));

    // Taipy's typed forms are accepted too.
    let loaded = load(&with_keys("retries = \"1:int\"\ntimeout = \"0:01:30:timedelta\"\n")).unwrap();
    let task = segment_analysis(loaded.scenario("scenario_1").unwrap());
    assert_eq!((task.retry_count(), task.timeout_limit()), (1, Some(Duration::from_secs(90))));
}

#[test]
fn malformed_retries_and_timeouts_are_reported_with_their_line() {
    assert_eq!(
        problems(&with_keys("retries = \"twice\"\ntimeout = \"30 seconds\"\n")),
        [
            "line 43 [TASK.segment_analysis]: `retries` must be a non-negative integer like \"2:int\", not \"twice\"",
            "line 44 [TASK.segment_analysis]: `timeout`: unknown unit `seconds` in `30 seconds`; use ms, s, m or h, \
             as in \"30s\"",
        ]
    );
    assert_eq!(
        problems(&with_keys("retries = -1\ntimeout = 30\n")),
        [
            "line 43 [TASK.segment_analysis]: `retries` must be a non-negative integer like \"2:int\", not an integer",
            "line 44 [TASK.segment_analysis]: `timeout`: expected a duration like \"30s\", \"500ms\" or \"2m\", not \
             an integer",
        ]
    );
    assert_eq!(
        problems(&with_keys("timeout = \"0s\"\n")),
        ["line 43 [TASK.segment_analysis]: `timeout`: a timeout must be longer than zero"]
    );
}

#[test]
fn retries_and_timeout_are_exported() {
    let loaded = load(&with_keys("retries = 2\ntimeout = \"1.5s\"\n")).unwrap();
    let text = export(loaded.scenario("scenario_1").unwrap()).unwrap();
    assert!(text.contains("retries = \"2:int\"\ntimeout = \"1.5s\"\n"), "{text}");
    let again = load(&text).unwrap();
    let task = segment_analysis(again.scenario("scenario_1").unwrap());
    assert_eq!((task.retry_count(), task.timeout_limit()), (2, Some(Duration::from_millis(1500))));
}
