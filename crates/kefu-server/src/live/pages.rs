//! The agent desktop (`/desk`) and the wallboard (`/wallboard`): server-rendered shells whose
//! script drives the live REST contract (`/api/v1/live/...`) with the page's session, so the
//! desktop does exactly what a softphone or CRM plug-in can do. They survive a reload or a
//! server restart: the state lives in the engine, not the page. And the admin pages of queues
//! (`/live/queues`) and agents (`/live/agents`): forms over the live service.

use crate::AppState;
use crate::error::ApiError;
use crate::live::service;
use crate::pages::{Tr, Viewer, after_form, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use kefu_model::Action;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk", get(desk))
        .route("/wallboard", get(wallboard))
        .route("/live/queues", get(queues_page).post(queue_create))
        .route("/live/queues/{id}", axum::routing::post(queue_update))
        .route(
            "/live/queues/{id}/delete",
            axum::routing::post(queue_delete),
        )
        .route("/live/agents", get(agents_page))
        .route("/live/agents/{user_id}", axum::routing::post(agent_save))
}

#[derive(Template)]
#[template(path = "live/desk.html")]
pub struct DeskPage {
    t: Tr,
    signed_in: bool,
}

#[derive(Template)]
#[template(path = "live/wallboard.html")]
pub struct WallboardPage {
    t: Tr,
    signed_in: bool,
}

/// The agent desktop.
pub async fn desk(State(_state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    v.auth.require(Action::TakeContacts)?;
    Ok(render(DeskPage {
        t: v.t(),
        signed_in: true,
    }))
}

/// The supervisors' wallboard.
pub async fn wallboard(State(_state): State<AppState>, v: Viewer) -> Result<Response, ApiError> {
    v.auth.require(Action::SuperviseLive)?;
    Ok(render(WallboardPage {
        t: v.t(),
        signed_in: true,
    }))
}

/// A queue as its admin form shows it.
pub struct QueueRow {
    id: String,
    name: String,
    channel: String,
    strategy: String,
    priority: i32,
    sl_percent: String,
    sl_threshold_s: u32,
    wrap_up_s: u32,
    offer_timeout_s: u32,
    prefer_owner_s: u32,
    skills: String,
    dispositions: String,
    max_wait_s: String,
    max_wait_exit: String,
    overflow_s: String,
    overflow_queue: String,
    max_length: String,
}

#[derive(Template)]
#[template(path = "live/queues.html")]
pub struct QueuesPage {
    t: Tr,
    signed_in: bool,
    error: Option<crate::pages::PageError>,
    queues: Vec<QueueRow>,
    /// The new-queue form's defaults.
    blank: QueueRow,
    /// (id, name) of every queue, for overflow targets.
    targets: Vec<(String, String)>,
    channels: Vec<&'static str>,
    strategies: Vec<&'static str>,
    exits: Vec<&'static str>,
}

const CHANNELS: [&str; 4] = ["voice", "chat", "email", "task"];
const STRATEGIES: [&str; 5] = [
    "longest_idle",
    "least_occupied",
    "round_robin",
    "skills_weighted",
    "ring_all",
];
const EXITS: [&str; 4] = ["", "voicemail", "callback", "disconnect"];

fn text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn pairs(m: &std::collections::BTreeMap<String, u8>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row(q: kefu_store::entity::live_queue::Model) -> QueueRow {
    use kefu_store::live::settings::{Exit, QueueSettings};
    let s: QueueSettings = serde_json::from_value(q.settings).unwrap_or_default();
    let (max_wait_s, max_wait_exit) = match &s.max_wait {
        Some(m) => (
            m.after_s.to_string(),
            match &m.exit {
                Exit::Overflow(q) => format!("overflow:{q}"),
                e => text(e),
            },
        ),
        None => (String::new(), String::new()),
    };
    QueueRow {
        id: q.id,
        name: q.name,
        channel: text(&s.channel),
        strategy: text(&s.strategy),
        priority: s.priority,
        sl_percent: format!("{}", (s.service_level.target * 1000.0).round() / 10.0),
        sl_threshold_s: s.service_level.threshold_s,
        wrap_up_s: s.wrap_up_s,
        offer_timeout_s: s.offer_timeout_s,
        prefer_owner_s: s.prefer_owner_s,
        skills: pairs(&s.required_skills),
        dispositions: s.dispositions.join(", "),
        max_wait_s,
        max_wait_exit,
        overflow_s: s
            .overflow
            .as_ref()
            .map(|o| o.after_s.to_string())
            .unwrap_or_default(),
        overflow_queue: s.overflow.map(|o| o.queue).unwrap_or_default(),
        max_length: s.max_length.map(|m| m.to_string()).unwrap_or_default(),
    }
}

/// The queues' admin page.
pub async fn queues_page(
    State(state): State<AppState>,
    v: Viewer,
    crate::pages::FormError(error): crate::pages::FormError,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ManageLive)?;
    let queues = service::queues(&state, &v.auth).await?;
    let targets = queues
        .iter()
        .map(|q| (q.id.clone(), q.name.clone()))
        .collect();
    Ok(render(QueuesPage {
        t: v.t(),
        signed_in: true,
        error,
        queues: queues.into_iter().map(row).collect(),
        blank: row(kefu_store::entity::live_queue::Model {
            id: String::new(),
            workspace_id: String::new(),
            name: String::new(),
            settings: serde_json::to_value(kefu_store::live::settings::QueueSettings::default())
                .unwrap_or_default(),
            deleted: false,
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
        }),
        targets,
        channels: CHANNELS.to_vec(),
        strategies: STRATEGIES.to_vec(),
        exits: EXITS.to_vec(),
    }))
}

/// The queue form as posted: numbers and lists as text.
#[derive(Debug, serde::Deserialize)]
pub struct QueueForm {
    name: String,
    channel: String,
    strategy: String,
    #[serde(default)]
    priority: String,
    sl_percent: String,
    sl_threshold_s: String,
    #[serde(default)]
    wrap_up_s: String,
    offer_timeout_s: String,
    #[serde(default)]
    prefer_owner_s: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    dispositions: String,
    #[serde(default)]
    max_wait_s: String,
    #[serde(default)]
    max_wait_exit: String,
    #[serde(default)]
    overflow_s: String,
    #[serde(default)]
    overflow_queue: String,
    #[serde(default)]
    max_length: String,
}

fn bad(field: &str) -> ApiError {
    ApiError::Model(kefu_model::ModelError::InvalidField {
        field: field.into(),
        reason: kefu_model::error::FieldProblem::Format,
    })
}

fn number<T: std::str::FromStr>(field: &str, s: &str) -> Result<Option<T>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| bad(field))
}

fn enumerated<T: serde::de::DeserializeOwned>(field: &str, v: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(v.to_owned())).map_err(|_| bad(field))
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '，', ';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `name:level, name:level` (a bare name is level 1).
pub fn skill_levels(
    field: &str,
    s: &str,
) -> Result<std::collections::BTreeMap<String, u8>, ApiError> {
    let mut out = std::collections::BTreeMap::new();
    for item in list(s) {
        let (name, level) = match item.split_once([':', '：']) {
            Some((n, l)) => (n.trim(), number::<u8>(field, l)?.ok_or_else(|| bad(field))?),
            None => (item.as_str(), 1),
        };
        out.insert(name.to_owned(), level);
    }
    Ok(out)
}

impl QueueForm {
    fn settings(&self) -> Result<kefu_store::live::settings::QueueSettings, ApiError> {
        use kefu_store::live::settings::{Exit, MaxWait, OverflowAfter, QueueSettings};
        let d = QueueSettings::default();
        let exit = |v: &str| -> Result<Option<Exit>, ApiError> {
            Ok(match v.trim() {
                "" => None,
                "voicemail" => Some(Exit::Voicemail),
                "callback" => Some(Exit::Callback),
                "disconnect" => Some(Exit::Disconnect),
                other => match other.strip_prefix("overflow:") {
                    Some(q) => Some(Exit::Overflow(q.to_owned())),
                    None => return Err(bad("max_wait.exit")),
                },
            })
        };
        let percent: f64 = number("service_level.target", &self.sl_percent)?.unwrap_or(80.0);
        let max_wait = match (
            number::<u32>("max_wait.after_s", &self.max_wait_s)?,
            exit(&self.max_wait_exit)?,
        ) {
            (Some(after_s), Some(exit)) => Some(MaxWait { after_s, exit }),
            (None, None) => None,
            _ => return Err(bad("max_wait")),
        };
        let overflow = match (
            number::<u32>("overflow.after_s", &self.overflow_s)?,
            self.overflow_queue.trim(),
        ) {
            (Some(after_s), q) if !q.is_empty() => Some(OverflowAfter {
                after_s,
                queue: q.to_owned(),
            }),
            (None, "") => None,
            _ => return Err(bad("overflow")),
        };
        Ok(QueueSettings {
            channel: enumerated("channel", &self.channel)?,
            strategy: enumerated("strategy", &self.strategy)?,
            priority: number("priority", &self.priority)?.unwrap_or(0),
            service_level: kefu_store::live::settings::ServiceLevel {
                target: percent / 100.0,
                threshold_s: number("service_level.threshold_s", &self.sl_threshold_s)?
                    .unwrap_or(20),
            },
            max_wait,
            overflow,
            max_length: number("max_length", &self.max_length)?,
            required_skills: skill_levels("required_skills", &self.skills)?,
            wrap_up_s: number("wrap_up_s", &self.wrap_up_s)?.unwrap_or(0),
            offer_timeout_s: number("offer_timeout_s", &self.offer_timeout_s)?.unwrap_or(15),
            prefer_owner_s: number("prefer_owner_s", &self.prefer_owner_s)?.unwrap_or(0),
            dispositions: list(&self.dispositions),
            ..d
        })
    }
}

const QUEUES: &str = "/live/queues";

/// Creates a queue from the form.
pub async fn queue_create(
    State(state): State<AppState>,
    v: Viewer,
    axum::Form(f): axum::Form<QueueForm>,
) -> Result<Response, ApiError> {
    let r = match f.settings() {
        Ok(s) => service::create_queue(&state, &v.auth, &f.name, s).await,
        Err(e) => Err(e),
    };
    Ok(after_form(QUEUES, r))
}

/// Saves a queue from its form.
pub async fn queue_update(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::Form(f): axum::Form<QueueForm>,
) -> Result<Response, ApiError> {
    let r = match f.settings() {
        Ok(s) => service::update_queue(&state, &v.auth, &id, &f.name, s).await,
        Err(e) => Err(e),
    };
    Ok(after_form(QUEUES, r))
}

/// Deletes a queue (refused while it holds contacts).
pub async fn queue_delete(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    Ok(after_form(
        QUEUES,
        service::delete_queue(&state, &v.auth, &id).await,
    ))
}

/// A user as the agents' admin form shows them.
pub struct AgentRow {
    user_id: String,
    name: String,
    role: String,
    skills: String,
    voice: u8,
    chat: u8,
    email: u8,
    task: u8,
    mixed: bool,
    enrolled: bool,
}

#[derive(Template)]
#[template(path = "live/agents.html")]
pub struct AgentsPage {
    t: Tr,
    signed_in: bool,
    error: Option<crate::pages::PageError>,
    agents: Vec<AgentRow>,
}

/// The agents' admin page: every front-line user with their skills and capacity.
pub async fn agents_page(
    State(state): State<AppState>,
    v: Viewer,
    crate::pages::FormError(error): crate::pages::FormError,
) -> Result<Response, ApiError> {
    v.auth.require(Action::ManageLive)?;
    let settings: std::collections::HashMap<String, kefu_store::live::LiveAgent> =
        service::agents(&state, &v.auth)
            .await?
            .into_iter()
            .map(|a| (a.user_id.clone(), a))
            .collect();
    let filter = kefu_store::identity::workspaces::UserFilter {
        role: None,
        active: Some(true),
    };
    let all = kefu_store::PageRequest {
        limit: Some(1000),
        cursor: None,
    };
    let users = crate::identity::service::users::list(&state, &v.auth, filter, &all)
        .await?
        .items;
    let agents = users
        .into_iter()
        .filter(|u| matches!(u.role.as_str(), "agent" | "specialist" | "supervisor"))
        .map(|u| {
            let a = settings.get(&u.id);
            let s = a.map(|a| a.settings).unwrap_or_default();
            AgentRow {
                skills: a.map(|a| pairs(&a.skills)).unwrap_or_default(),
                voice: s.capacity.voice,
                chat: s.capacity.chat,
                email: s.capacity.email,
                task: s.capacity.task,
                mixed: s.mixed_channels,
                enrolled: a.is_some(),
                user_id: u.id,
                name: u.name,
                role: u.role,
            }
        })
        .collect();
    Ok(render(AgentsPage {
        t: v.t(),
        signed_in: true,
        error,
        agents,
    }))
}

#[derive(Debug, serde::Deserialize)]
pub struct AgentForm {
    #[serde(default)]
    skills: String,
    voice: String,
    chat: String,
    email: String,
    task: String,
    #[serde(default)]
    mixed: Option<String>,
}

/// Saves an agent's skills and capacity.
pub async fn agent_save(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Path(user_id): axum::extract::Path<String>,
    axum::Form(f): axum::Form<AgentForm>,
) -> Result<Response, ApiError> {
    let parsed = (|| -> Result<_, ApiError> {
        let cap = |field: &str, s: &str| number::<u8>(field, s).map(|v| v.unwrap_or(0));
        Ok((
            skill_levels("skills", &f.skills)?,
            kefu_store::live::settings::AgentSettings {
                capacity: kefu_store::live::settings::Capacity {
                    voice: cap("capacity.voice", &f.voice)?,
                    chat: cap("capacity.chat", &f.chat)?,
                    email: cap("capacity.email", &f.email)?,
                    task: cap("capacity.task", &f.task)?,
                },
                mixed_channels: f.mixed.is_some(),
            },
        ))
    })();
    let r = match parsed {
        Ok((skills, settings)) => {
            service::set_agent(&state, &v.auth, &user_id, skills, settings).await
        }
        Err(e) => Err(e),
    };
    Ok(after_form("/live/agents", r))
}
