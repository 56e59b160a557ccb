//! Background jobs (core and plugins) that start with the server and stop
//! cleanly on shutdown: each job waits through `JobCtx::wait`, which
//! returns false as soon as the server is stopping; the job then returns.
//! A job that does not return within the grace period is aborted (and
//! logged). `/metrics` shows `shopdb_job_running{job}` and
//! `shopdb_job_runs_total{job,outcome}`.
//!
//! Several instances may run on one database: a job that must run on one
//! instance only takes a lease row in its plugin's table first.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;

type Run = Box<dyn FnOnce(JobCtx) -> BoxFuture<'static, ()> + Send>;

/// A named long-running task.
pub struct Job {
    /// `<plugin id>.<name>` (or `core.<name>`): the metrics label and log field.
    pub name: String,
    run: Run,
}

impl Job {
    pub fn new<F, Fut>(name: impl Into<String>, run: F) -> Self
    where
        F: FnOnce(JobCtx) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self {
            name: name.into(),
            run: Box::new(move |ctx| Box::pin(run(ctx))),
        }
    }

    /// A job that does one pass now and then every `every`, until stopped.
    /// A failed pass is logged and counted; the next one runs on time.
    pub fn every<F, Fut, E>(name: impl Into<String>, every: Duration, pass: F) -> Self
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        Self::new(name, move |mut ctx| async move {
            loop {
                match pass().await {
                    Ok(()) => ctx.record(true),
                    Err(e) => {
                        ctx.record(false);
                        tracing::warn!(job = %ctx.name, error = %e, "background job pass failed; will retry");
                    }
                }
                if !ctx.wait(every).await {
                    return;
                }
            }
        })
    }
}

/// Handed to a running job.
pub struct JobCtx {
    pub name: Arc<str>,
    stop: watch::Receiver<bool>,
    metrics: Arc<Metrics>,
}

impl JobCtx {
    /// Sleeps for `d`; returns false at once when the server is stopping.
    pub async fn wait(&mut self, d: Duration) -> bool {
        if self.stopping() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(d) => !self.stopping(),
            _ = self.stop.changed() => false,
        }
    }

    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Counts one pass in `/metrics`.
    pub fn record(&self, ok: bool) {
        self.metrics.job_run(&self.name, ok);
    }
}

/// Jobs started by `spawn`; `stop` ends them.
pub struct RunningJobs {
    stop: watch::Sender<bool>,
    handles: Vec<(String, JoinHandle<()>)>,
    metrics: Arc<Metrics>,
}

/// How a stop went.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StopReport {
    pub stopped: usize,
    /// Jobs that did not return within the grace period.
    pub aborted: Vec<String>,
}

pub fn spawn(jobs: Vec<Job>, metrics: Arc<Metrics>) -> RunningJobs {
    let (stop, rx) = watch::channel(false);
    let handles = jobs
        .into_iter()
        .map(|job| {
            let name: Arc<str> = Arc::from(job.name.as_str());
            metrics.job_running(&name, true);
            tracing::debug!(job = %name, "background job started");
            let ctx = JobCtx {
                name: name.clone(),
                stop: rx.clone(),
                metrics: metrics.clone(),
            };
            let m = metrics.clone();
            let handle = tokio::spawn(async move {
                (job.run)(ctx).await;
                m.job_running(&name, false);
            });
            (job.name, handle)
        })
        .collect();
    RunningJobs {
        stop,
        handles,
        metrics,
    }
}

impl RunningJobs {
    pub fn names(&self) -> Vec<&str> {
        self.handles.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Tells every job to stop and waits up to `grace` for them together;
    /// the ones still running then are aborted.
    pub async fn stop(self, grace: Duration) -> StopReport {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        let mut report = StopReport::default();
        for (name, mut handle) in self.handles {
            match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(_) => report.stopped += 1,
                Err(_) => {
                    handle.abort();
                    self.metrics.job_running(&name, false);
                    tracing::warn!(job = %name, grace_ms = grace.as_millis() as u64, "background job did not stop in time; aborted");
                    report.aborted.push(name);
                }
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn jobs_stop_when_told_and_stragglers_are_aborted() {
        let metrics = Arc::new(Metrics::default());
        let passes = Arc::new(AtomicU32::new(0));
        let p = passes.clone();
        let polite = Job::every("demo.polite", Duration::from_secs(3600), move || {
            let p = p.clone();
            async move {
                p.fetch_add(1, Ordering::SeqCst);
                Ok::<(), String>(())
            }
        });
        let stubborn = Job::new("demo.stubborn", |_ctx| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        });
        let running = spawn(vec![polite, stubborn], metrics.clone());
        assert_eq!(running.names(), ["demo.polite", "demo.stubborn"]);
        assert_eq!(metrics.is_job_running("demo.polite"), Some(true));
        // Let the first pass happen.
        while passes.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let report = running.stop(Duration::from_millis(200)).await;
        assert_eq!(report.stopped, 1);
        assert_eq!(report.aborted, ["demo.stubborn"]);
        assert_eq!(metrics.is_job_running("demo.polite"), Some(false));
        assert_eq!(metrics.is_job_running("demo.stubborn"), Some(false));
        assert_eq!(passes.load(Ordering::SeqCst), 1);
        let text = metrics.render((0, 0), 0, "sqlite");
        assert!(
            text.contains("shopdb_job_runs_total{job=\"demo.polite\",outcome=\"ok\"} 1"),
            "{text}"
        );
    }
}
