//! Entity events: creation, update, deletion and submission, filtered by entity type, id and
//! operation, through a channel or a callback.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{VALUES, config, write_csv};
use taipy::prelude::*;
use taipy::{EntityType, Event, EventFilter, Operation};

fn drain(rx: &std::sync::mpsc::Receiver<Event>) -> Vec<Event> {
    rx.try_iter().collect()
}

fn brief(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let value = e.value.as_deref().map(|v| format!(" {}={v}", e.attribute.as_deref().unwrap_or("")));
            format!("{:?} {:?}{}", e.entity, e.operation, value.unwrap_or_default())
        })
        .collect()
}

#[test]
fn a_scenario_s_life_is_told_to_subscribers() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config(&csv);
    let all = store.subscribe(EventFilter::all());
    let s = Scenario::create(&store, &config, "s").unwrap();
    let created = drain(&all);
    assert_eq!(created.iter().filter(|e| e.entity == EntityType::DataNode).count(), 9);
    assert!(created.iter().all(|e| e.operation == Operation::Creation));
    assert_eq!(created.last().map(|e| (e.entity, e.id.as_str())), Some((EntityType::Scenario, s.id())));

    // A filtered channel and a callback, on one submission.
    let jobs = store.subscribe(EventFilter::all().entity(EntityType::Job).operation(Operation::Update));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let subscription = store.on_event(EventFilter::all().entity(EntityType::Submission), move |e| {
        sink.lock().unwrap().push(e.clone());
    });
    let report = s.submit().unwrap().wait().unwrap();
    let job_events = drain(&jobs);
    let of_task = |task: &str| -> Vec<String> {
        let id = &report.job(task).unwrap().id;
        job_events.iter().filter(|e| &e.id == id).map(|e| e.value.clone().unwrap()).collect()
    };
    assert_eq!(of_task("score"), ["Pending", "Running", "Completed"]);
    assert_eq!(of_task("summarise"), ["Blocked", "Pending", "Running", "Completed"]);
    assert_eq!(job_events.len(), 15);
    assert_eq!(brief(&seen.lock().unwrap()), ["Submission Creation", "Submission Update status=Completed"]);
    assert!(seen.lock().unwrap().iter().all(|e| e.id == report.id));
    let everything = brief(&drain(&all));
    assert_eq!(everything[0], "Scenario Submission");
    assert_eq!(everything.iter().filter(|e| e.starts_with("DataNode Update version=1")).count(), 4);
    assert_eq!(everything.last().unwrap(), "Submission Update status=Completed");

    // By id: a node's edits and lock.
    let threshold = s.data_node::<f64>("payment_threshold").unwrap();
    let node = store.subscribe(EventFilter::all().id(threshold.id()));
    threshold.write(1600.0).unwrap();
    threshold.lock_edit("ana", Duration::from_secs(60)).unwrap();
    s.data_node::<f64>("score_threshold").unwrap().write(2.0).unwrap();
    assert_eq!(brief(&drain(&node)), ["DataNode Update version=2", "DataNode Update edit_lock=ana"]);

    // A sequence submission names the sequence; skipped jobs that wrote nothing tell nothing.
    store.unsubscribe(subscription);
    drain(&all);
    let report = s.submit_sequence("analysis", SubmitOptions::new()).unwrap().wait().unwrap();
    let events = drain(&all);
    assert_eq!(
        (events[0].entity, events[0].id.clone()),
        (EntityType::Sequence, format!("{}/analysis", s.id()))
    );
    assert_eq!(report.tasks_with(taipy::JobStatus::Skipped), ["analyse", "summarise"]);
    assert!(!events.iter().any(|e| e.entity == EntityType::DataNode), "{events:?}");
    assert_eq!(seen.lock().unwrap().len(), 2, "the callback was unsubscribed");

    // A changed file is a new version of its node.
    write_csv(&csv, &[1.0]);
    let file = s.data_node::<CsvFile>("path_to_data").unwrap();
    let file_events = store.subscribe(EventFilter::all().id(file.id()));
    s.submit_task("score", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(brief(&drain(&file_events)), ["DataNode Update version=2"]);
    drain(&all);

    // Tags, then deletion. A filter by id and operation hears the scenario's deletion only (not
    // its tag update, nor the deletions of its jobs and nodes); a dropped receiver stops no one.
    let deleted = store.subscribe(EventFilter::all().operation(Operation::Deletion).id(s.id()));
    drop(store.subscribe(EventFilter::all()));
    s.add_tag("q3").unwrap();
    s.delete().unwrap();
    assert_eq!(brief(&drain(&deleted)), ["Scenario Deletion"]);
    let events = brief(&drain(&all));
    assert_eq!(events[0], "Scenario Update tags=q3");
    assert_eq!(events.iter().filter(|e| *e == "Job Deletion").count(), 7);
    assert_eq!(events.iter().filter(|e| *e == "Submission Deletion").count(), 3);
    assert_eq!(events.iter().filter(|e| *e == "DataNode Deletion").count(), 9);
    assert_eq!(events.last().unwrap(), "Scenario Deletion");
}

#[test]
fn parallel_jobs_tell_each_change_once_and_the_submission_s_end_once() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::temporary_with(StoreOptions::standalone(3)).unwrap();
    let config = config(&csv);
    let s = Scenario::create(&store, &config, "s").unwrap();
    let all = store.subscribe(EventFilter::all());
    drain(&all);
    for round in 0..3 {
        let report = s.submit_with(SubmitOptions::new().force(round == 1)).unwrap().wait().unwrap();
        let events = drain(&all);
        for job in &report.jobs {
            let of_job: Vec<&Event> = events.iter().filter(|e| e.id == job.id).collect();
            assert_eq!(of_job.iter().filter(|e| e.operation == Operation::Creation).count(), 1);
            let last = of_job.iter().rev().find(|e| e.operation == Operation::Update).unwrap();
            assert_eq!(last.value.as_deref(), Some(format!("{:?}", job.status).as_str()));
        }
        let ends: Vec<&Event> = events
            .iter()
            .filter(|e| e.entity == EntityType::Submission && e.operation == Operation::Update)
            .collect();
        assert_eq!(ends.len(), 1, "round {round}: {events:?}");
        assert_eq!(ends[0].value.as_deref(), Some("Completed"));
        assert_eq!(ends[0].id, report.id);
    }
}
