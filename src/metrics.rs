//! Prometheus text metrics: requests by route and status, a latency
//! histogram per route, DB pool usage, background jobs, build info. Route
//! labels are operationIds or fixed names and job labels come from code,
//! so cardinality stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::build_info;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    jobs: Mutex<BTreeMap<String, JobStats>>,
}

#[derive(Default, Clone, Copy)]
struct JobStats {
    running: bool,
    ok: u64,
    failed: u64,
}

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route.to_owned()).or_default();
            let secs = elapsed.as_secs_f64();
            for (i, le) in BUCKETS.iter().enumerate() {
                if secs <= *le {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        }
    }

    /// A background job started (true) or ended (false).
    pub fn job_running(&self, job: &str, running: bool) {
        if let Ok(mut m) = self.jobs.lock() {
            m.entry(job.to_owned()).or_default().running = running;
        }
    }

    /// One pass of a background job finished.
    pub fn job_run(&self, job: &str, ok: bool) {
        if let Ok(mut m) = self.jobs.lock() {
            let s = m.entry(job.to_owned()).or_default();
            if ok {
                s.ok += 1;
            } else {
                s.failed += 1;
            }
        }
    }

    /// Whether the job is running now (None: never started here).
    pub fn is_job_running(&self, job: &str) -> Option<bool> {
        self.jobs.lock().ok()?.get(job).map(|s| s.running)
    }

    /// The exposition text. `pool` is (in use, idle) database connections;
    /// `statements` the SQL statements run so far.
    pub fn render(&self, pool: (usize, usize), statements: u64, backend: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP shopdb_build_info Build information.");
        let _ = writeln!(out, "# TYPE shopdb_build_info gauge");
        let _ = writeln!(
            out,
            "shopdb_build_info{{version=\"{}\",commit=\"{}\",backend=\"{backend}\"}} 1",
            build_info::VERSION,
            build_info::GIT_COMMIT
        );
        let _ = writeln!(
            out,
            "# HELP shopdb_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE shopdb_http_requests_total counter");
        if let Ok(m) = self.requests.lock() {
            for ((route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "shopdb_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP shopdb_http_request_duration_seconds HTTP request latency by route."
        );
        let _ = writeln!(out, "# TYPE shopdb_http_request_duration_seconds histogram");
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                for (i, le) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "shopdb_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "shopdb_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "shopdb_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "shopdb_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        let _ = writeln!(out, "# HELP shopdb_db_connections Database connections by state.");
        let _ = writeln!(out, "# TYPE shopdb_db_connections gauge");
        let _ = writeln!(out, "shopdb_db_connections{{state=\"in_use\"}} {}", pool.0);
        let _ = writeln!(out, "shopdb_db_connections{{state=\"idle\"}} {}", pool.1);
        let _ = writeln!(out, "# HELP shopdb_db_statements_total SQL statements run.");
        let _ = writeln!(out, "# TYPE shopdb_db_statements_total counter");
        let _ = writeln!(out, "shopdb_db_statements_total {statements}");
        if let Ok(m) = self.jobs.lock()
            && !m.is_empty()
        {
            let _ = writeln!(out, "# HELP shopdb_job_running Background jobs: 1 while running.");
            let _ = writeln!(out, "# TYPE shopdb_job_running gauge");
            for (job, s) in m.iter() {
                let _ = writeln!(out, "shopdb_job_running{{job=\"{job}\"}} {}", u8::from(s.running));
            }
            let _ = writeln!(
                out,
                "# HELP shopdb_job_runs_total Passes of background jobs by outcome."
            );
            let _ = writeln!(out, "# TYPE shopdb_job_runs_total counter");
            for (job, s) in m.iter() {
                let _ = writeln!(
                    out,
                    "shopdb_job_runs_total{{job=\"{job}\",outcome=\"ok\"}} {}",
                    s.ok
                );
                let _ = writeln!(
                    out,
                    "shopdb_job_runs_total{{job=\"{job}\",outcome=\"error\"}} {}",
                    s.failed
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("getMeta", 200, Duration::from_millis(2));
        m.observe("getMeta", 200, Duration::from_millis(30));
        let text = m.render((1, 3), 42, "sqlite");
        assert!(text.contains("shopdb_http_requests_total{route=\"getMeta\",status=\"200\"} 2"));
        assert!(
            text.contains("shopdb_http_request_duration_seconds_bucket{route=\"getMeta\",le=\"0.0025\"} 1")
        );
        assert!(
            text.contains("shopdb_http_request_duration_seconds_bucket{route=\"getMeta\",le=\"0.05\"} 2")
        );
        assert!(text.contains("shopdb_db_connections{state=\"idle\"} 3"));
        assert!(text.contains("shopdb_db_statements_total 42"));
    }
}
