//! The SLA timer: a background task that evaluates every active ticket of every workspace
//! with SLA policies and acts once on each warning and breach (recorded in
//! `ticket_sla_notices`): audited `sla_warning` / `sla_breached` events, escalation to tier 2
//! (transition to `escalated`) or to the supervisors (`sla_escalated`), as the policy says;
//! and runs the time-based automation of tickets waiting for the customer (remind, then
//! resolve, after the workspace's delays).

use crate::tickets::service::sla::{policy_set_of, statuses};
use chrono::{DateTime, Utc};
use kefu_sla::Metric;
use kefu_store::Store;
use kefu_store::tickets::notices::SlaNotice;
use std::time::Duration;

/// How often the timer looks at the tickets.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    pub tickets: usize,
    pub warnings: usize,
    pub breaches: usize,
    /// Time-based automation: reminders sent and tickets resolved after waiting for the
    /// customer.
    pub reminded: usize,
    pub auto_resolved: usize,
}

fn metric_name(m: Metric) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Evaluates every active ticket at `now` and acts on new warnings and breaches.
pub async fn sweep(store: &Store, now: DateTime<Utc>) -> Result<Sweep, kefu_store::StoreError> {
    let mut out = Sweep::default();
    for scope in store.sla_workspaces().await? {
        let settings = store.ticket_settings(&scope).await?;
        if settings.pending_remind_minutes > 0 || settings.pending_resolve_minutes > 0 {
            for id in store.active_ticket_ids(&scope).await? {
                match store
                    .pending_automation(&scope, &id, &settings, now)
                    .await?
                {
                    Some("reminded") => out.reminded += 1,
                    Some(_) => out.auto_resolved += 1,
                    None => {}
                }
            }
        }
        let Some(set) = policy_set_of(&settings) else {
            continue;
        };
        let ids = store.active_ticket_ids(&scope).await?;
        for (id, status) in statuses(store, &scope, &set, &ids, now).await? {
            out.tickets += 1;
            for target in status.targets() {
                if target.met_at.is_some() {
                    continue;
                }
                let kind = if target.breached {
                    "breach"
                } else if target.warning {
                    "warning"
                } else {
                    continue;
                };
                let escalate_to = set
                    .policy(&target.policy)
                    .and_then(|p| p.escalate_to)
                    .and_then(|e| serde_json::to_value(e).ok())
                    .and_then(|v| v.as_str().map(str::to_owned));
                let notice = SlaNotice {
                    kind,
                    metric: metric_name(target.metric),
                    started_at: target.started_at,
                    due: target.due,
                    escalate_to,
                };
                if store.record_sla_notice(&scope, &id, &notice).await? {
                    if target.breached {
                        out.breaches += 1;
                    } else {
                        out.warnings += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Runs [`sweep`] every [`INTERVAL`] until the task is aborted.
pub fn spawn(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = sweep(&store, store.now()).await {
                tracing::warn!(error = %e, "SLA sweep failed; will retry");
            }
            tokio::time::sleep(INTERVAL).await;
        }
    })
}
