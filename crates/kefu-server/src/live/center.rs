//! The live center of the process: one engine per workspace, each behind a lock that
//! serializes its routing steps, rebuilt from the store's log on first use, and a timer task
//! per workspace that ticks the engine when its next deadline passes on the store's clock.
//!
//! Ownership: on SQLite the process owns every workspace's engine (one process per data
//! directory). Several nodes on one PostgreSQL would each take a workspace's engine under an
//! advisory lock on the workspace id and forward commands to the owner; the log is what a new
//! owner replays.

use crate::error::ApiError;
use crate::live::desk::{Desk, desk_of};
use crate::live::engine::{Cmd, Live, Refusal, ms};
use kefu_acd::Event;
use kefu_store::live::{Effect, LiveChange, Logged};
use kefu_store::{Actor, Store, StoreError, WorkspaceScope};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Mutex as AsyncMutex, Notify, OwnedMutexGuard, broadcast};

/// The longest the timer task sleeps before looking at the clock again (a test's manual
/// clock moves without waking anyone).
const POLL: Duration = Duration::from_millis(100);

/// The push channel of one agent's desktop (workspace id, user id).
type DeskKey = (String, String);

/// One workspace's engine.
pub struct Workspace {
    scope: WorkspaceScope,
    live: Arc<AsyncMutex<Option<Live>>>,
    wake: Notify,
}

/// Every workspace's engine in this process.
pub struct Center {
    store: Store,
    workspaces: Mutex<HashMap<String, Arc<Workspace>>>,
    /// Each listening agent's channel: a step sends the new desk only to the agents it
    /// concerns, so 2,000 open streams cost nothing while they have nothing to hear.
    desks: Mutex<HashMap<DeskKey, broadcast::Sender<Arc<Desk>>>>,
    closing: tokio::sync::watch::Sender<bool>,
}

/// A locked, ready engine of a workspace.
pub struct Guard<'a> {
    center: &'a Center,
    ws: Arc<Workspace>,
    g: OwnedMutexGuard<Option<Live>>,
}

impl Center {
    pub fn new(store: Store) -> Arc<Center> {
        Arc::new(Center {
            store,
            workspaces: Mutex::new(HashMap::new()),
            desks: Mutex::new(HashMap::new()),
            closing: tokio::sync::watch::channel(false).0,
        })
    }

    /// Starts the engines of every workspace that has a log (so their timers run).
    pub async fn start(self: &Arc<Center>) -> Result<(), ApiError> {
        for scope in self.store.live_workspaces().await? {
            let ws = self.workspace(&scope);
            self.lock(ws).await?;
        }
        Ok(())
    }

    /// The desks of agent `user_id` of `scope`, pushed after each step that concerns them.
    pub fn subscribe_desk(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
    ) -> broadcast::Receiver<Arc<Desk>> {
        let mut map = self.desks.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, tx| tx.receiver_count() > 0);
        map.entry((scope.id().to_owned(), user_id.to_owned()))
            .or_insert_with(|| broadcast::channel(64).0)
            .subscribe()
    }

    /// Ends every push stream (the server is stopping: open streams would hold it up).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`Center::close`] was called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// The engine of `scope`, made (with its timer task) on first use.
    pub fn workspace(self: &Arc<Center>, scope: &WorkspaceScope) -> Arc<Workspace> {
        let mut map = self.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ws) = map.get(scope.id()) {
            return ws.clone();
        }
        let ws = Arc::new(Workspace {
            scope: scope.clone(),
            live: Arc::new(AsyncMutex::new(None)),
            wake: Notify::new(),
        });
        map.insert(scope.id().to_owned(), ws.clone());
        let center = Arc::downgrade(self);
        let timer = ws.clone();
        tokio::spawn(async move { run_timers(center, timer).await });
        ws
    }

    /// Locks `ws`'s engine, rebuilding it from the log first if needed. Timers due are left
    /// to the next step or the timer task (a step runs them first, at their own times).
    pub async fn lock(&self, ws: Arc<Workspace>) -> Result<Guard<'_>, ApiError> {
        let mut g = ws.live.clone().lock_owned().await;
        let rebuilt = g.is_none();
        if rebuilt {
            let mut live = Live::new();
            let mut scratch = vec![];
            for entry in self.store.live_log(&ws.scope).await? {
                let cmd: Cmd = match serde_json::from_value(entry.command) {
                    Ok(c) => c,
                    Err(e) => {
                        return Err(StoreError::Corrupt {
                            column: "live_log.command",
                            value: e.to_string(),
                        }
                        .into());
                    }
                };
                scratch.clear();
                if let Err(r) = live.apply(entry.at_ms.max(0) as u64, &cmd, &mut scratch) {
                    tracing::warn!(seq = entry.seq, ?r, "live log entry refused on replay");
                }
            }
            *g = Some(live);
        }
        let mut guard = Guard {
            center: self,
            ws,
            g,
        };
        if rebuilt {
            // Timers that came due while no engine ran (a restart, a failed write).
            guard
                .run(&Actor::default(), vec![Cmd::Tick], LiveChange::default())
                .await
                .or_else(|e| match e {
                    StepError::Refused(_) => Ok(vec![]),
                    StepError::Api(e) => Err(e),
                })?;
        }
        Ok(guard)
    }
}

/// Why a step did not happen.
#[derive(Debug)]
pub enum StepError {
    Refused(Refusal),
    Api(ApiError),
}

impl From<ApiError> for StepError {
    fn from(e: ApiError) -> Self {
        StepError::Api(e)
    }
}

impl Guard<'_> {
    pub fn live(&self) -> &Live {
        self.g.as_ref().expect("a locked engine is built")
    }

    pub fn live_mut(&mut self) -> &mut Live {
        self.g.as_mut().expect("a locked engine is built")
    }

    /// Agent `user_id`'s desk as it stands now.
    pub fn desk(&self, user_id: &str) -> Desk {
        desk_of(self.live(), user_id, ms(self.center.store.now()))
    }

    /// Applies `cmds` now and writes what they did with `change`'s other parts (a queue or
    /// agent change, a new contact, extra effects) in one transaction, at this moment. A
    /// refused command applies nothing of itself; timer events before it are still written.
    /// When the write fails, the engine is dropped and rebuilt from the log on next use.
    pub async fn run(
        &mut self,
        actor: &Actor,
        cmds: Vec<Cmd>,
        mut change: LiveChange,
    ) -> Result<Vec<Event>, StepError> {
        let now = self.center.store.now();
        let t = ms(now);
        self.live_mut().begin_step();
        let mut events = vec![];
        let mut refused = None;
        let mut applied = vec![];
        for cmd in cmds {
            let before = events.len();
            match self.live_mut().apply(t, &cmd, &mut events) {
                Ok(()) => applied.push(cmd),
                Err(r) => {
                    // Timers fired before the refusal: logged as a tick.
                    if events.len() > before {
                        applied.push(Cmd::Tick);
                    }
                    refused = Some(r);
                    break;
                }
            }
        }
        if let Some(r) = refused.clone() {
            if applied.iter().any(|c| *c != Cmd::Tick) {
                // Part of a multi-command step went in: undo it all by rebuilding.
                *self.g = None;
                return Err(StepError::Refused(r));
            }
            // Only the timers that fired before the refusal are written.
            change = LiveChange::default();
        }
        let nothing =
            applied.iter().all(|c| *c == Cmd::Tick) && events.is_empty() && change.is_empty();
        if nothing {
            return match refused {
                Some(r) => Err(StepError::Refused(r)),
                None => Ok(events),
            };
        }
        change.at = now;
        let mut effects = self.live().effects(now, &events);
        effects.append(&mut change.effects);
        change.effects = effects;
        change.commands = applied
            .iter()
            .map(|c| {
                let (action, entity_type, entity_id) = c.audit();
                Logged {
                    action,
                    entity_type,
                    entity_id,
                    command: serde_json::to_value(c).unwrap_or_default(),
                }
            })
            .collect();
        let mut concerned: Vec<String> = change
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::AgentState { user_id, .. } => Some(user_id.clone()),
                Effect::Contact { detail, patch, .. } => detail
                    .get("agent_id")
                    .and_then(|a| a.as_str())
                    .map(str::to_owned)
                    .or_else(|| patch.agent_id.clone()),
            })
            .collect();
        concerned.sort();
        concerned.dedup();
        if let Err(e) = self
            .center
            .store
            .live_record(&self.ws.scope, actor, change)
            .await
        {
            *self.g = None;
            return Err(StepError::Api(e.into()));
        }
        // Committed: each concerned agent who listens gets their desk as it is now.
        let senders: Vec<(String, broadcast::Sender<Arc<Desk>>)> = {
            let map = self.center.desks.lock().unwrap_or_else(|e| e.into_inner());
            concerned
                .into_iter()
                .filter_map(|u| {
                    let key = (self.ws.scope.id().to_owned(), u);
                    map.get(&key).map(|tx| (key.1, tx.clone()))
                })
                .collect()
        };
        for (user, tx) in senders {
            let _ = tx.send(Arc::new(self.desk(&user)));
        }
        self.ws.wake.notify_one();
        match refused {
            Some(r) => Err(StepError::Refused(r)),
            None => Ok(events),
        }
    }
}

/// Ticks `ws`'s engine whenever its next deadline has passed on the store's clock.
async fn run_timers(center: std::sync::Weak<Center>, ws: Arc<Workspace>) {
    loop {
        let Some(c) = center.upgrade() else { return };
        let wait = {
            let mut g = ws.live.lock().await;
            let now = ms(c.store.now());
            match g.as_mut().map(|l| l.engine.next_deadline()) {
                // Dropped after a failed write: rebuild it now, so its timers run.
                None => Duration::ZERO,
                Some(Some(d)) if d <= now => Duration::ZERO,
                Some(Some(d)) => Duration::from_millis(d - now).min(POLL),
                Some(None) => POLL,
            }
        };
        if wait.is_zero() {
            let ticked = match c.lock(ws.clone()).await {
                Ok(mut g) => g
                    .run(&Actor::default(), vec![Cmd::Tick], LiveChange::default())
                    .await
                    .map(|_| ())
                    .or_else(|e| match e {
                        StepError::Refused(_) => Ok(()),
                        StepError::Api(e) => Err(e),
                    }),
                Err(e) => Err(e),
            };
            match ticked {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(workspace = ws.scope.id(), error = %e, "live timers");
                    tokio::time::sleep(POLL).await;
                }
            }
            continue;
        }
        drop(c);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = ws.wake.notified() => {}
        }
    }
}
