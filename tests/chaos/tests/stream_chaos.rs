//! The stream chaos suite against the real reference server (see `everruns_chaos::suite`).
//!
//! By default the Rust SDK follows the short schedule: one scripted turn of thousands of
//! events, resets and half-open stalls injected by its proxy, the server restarted twice
//! (SIGTERM, then SIGKILL) on the same port and database. It must deliver exactly the stored
//! events, once each, in order, end on the terminal event, and reconnect after every stall
//! within the liveness timeout (plus backoff cap and slack).
//!
//! `make test-chaos` runs the same test with `CHAOS_LANGS=rust,python,node`, so the Python and
//! Node packages follow the same turn at the same time, each through its own proxy.
//! `CHAOS_SCHEDULE=long` selects the long schedule (`make chaos` uses the `chaos-suite` binary).

use everruns_chaos::suite::{self, Lang, Plan, Tools};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sdks_deliver_every_event_once_in_order_through_faults_and_restarts() {
    let langs = match std::env::var("CHAOS_LANGS") {
        Ok(s) => Lang::parse_list(&s).expect("CHAOS_LANGS"),
        Err(_) => vec![Lang::Rust],
    };
    let plan = match std::env::var("CHAOS_SCHEDULE").as_deref() {
        Ok("long") => Plan::long(),
        Ok("short") | Err(_) => Plan::short(),
        Ok(other) => panic!("CHAOS_SCHEDULE={other:?}: expected short or long"),
    };
    let tools = Tools::locate().expect("locate the server and clients");
    let report = suite::run(&plan, &langs, &tools)
        .await
        .expect("suite setup");
    println!("{}", report.table());
    assert!(report.passed(), "chaos checks failed:\n{}", report.table());
    assert_eq!(report.downtimes.len(), 2, "two server restarts");
    assert_eq!(report.terminal_events, 1);
    for l in &report.langs {
        assert_eq!(l.delivered, report.stored_events, "{:?}", l.lang);
        assert!(
            l.resets + l.stalls > 0,
            "{:?}: faults were injected",
            l.lang
        );
        assert!(
            l.sse_requests >= 1 + l.resets + l.stalls,
            "{:?}: reconnected after every fault, every restart and the cycles",
            l.lang
        );
    }
}
