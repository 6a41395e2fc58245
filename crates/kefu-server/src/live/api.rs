//! The live center's REST API: queues (`/api/v1/queues`), agents (`/api/v1/agents`), and the
//! live contract a desktop, a softphone or a CTI connector drives (`/api/v1/live/...`). Wire
//! types and thin handlers; the rules are `live::service`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::live::desk::Desk;
use crate::live::service::{self, NewContact, Wanted};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kefu_acd::AuxReason;
use kefu_model::Channel;
use kefu_store::entity::live_queue;
use kefu_store::live::LiveAgent;
use kefu_store::live::settings::{AgentSettings, Capacity, QueueSettings};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/queues", get(list_queues).post(create_queue))
        .route(
            "/queues/{id}",
            get(get_queue).put(update_queue).delete(delete_queue),
        )
        .route("/agents", get(list_agents))
        .route("/agents/{user_id}", put(set_agent))
        .route("/live/agents", get(agent_board))
        .route("/live/agents/me", get(my_desk))
        .route("/live/agents/me/state", put(set_my_state))
        .route("/live/agents/me/events", get(my_events))
        .route("/live/agents/{user_id}/state", put(force_state))
        .route("/live/offers/{id}/accept", post(accept))
        .route("/live/offers/{id}/reject", post(reject))
        .route("/live/interactions/{id}/end", post(end))
        .route("/live/interactions/{id}/wrap-up", post(wrap_up))
        .route("/live/interactions/{id}/customer", post(identify))
        .route("/live/contacts", post(put_contact))
        .route("/live/contacts/{id}", get(contact_status))
        .route("/live/queues", get(queue_figures))
}

/// A queue: its name and every routing setting (see `QueueSettings`; omitted settings take
/// their defaults: voice, longest idle, 80 % in 20 s, 15 s offers, no wrap-up).
#[derive(Debug, ToSchema)]
pub struct QueueIn {
    pub name: String,
    #[schema(value_type = Object)]
    pub settings: QueueSettings,
}

/// `name` beside the settings' fields; an unknown field is refused (serde's `flatten` would
/// let it through).
impl<'de> Deserialize<'de> for QueueIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let name = match map.remove("name") {
            Some(serde_json::Value::String(s)) => s,
            Some(_) => return Err(D::Error::custom("name: expected a string")),
            None => return Err(D::Error::missing_field("name")),
        };
        let settings =
            QueueSettings::deserialize(serde_json::Value::Object(map)).map_err(D::Error::custom)?;
        Ok(QueueIn { name, settings })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueOut {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<live_queue::Model> for QueueOut {
    fn from(m: live_queue::Model) -> Self {
        QueueOut {
            id: m.id,
            name: m.name,
            settings: m.settings,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Create a queue of the live center.
#[utoipa::path(post, path = "/api/v1/queues", tag = "live", request_body = QueueIn,
    responses((status = 201, body = QueueOut), (status = 409), (status = 422), (status = 403)))]
pub async fn create_queue(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<QueueIn>,
) -> Result<(StatusCode, Json<QueueOut>), ApiError> {
    let q = service::create_queue(&state, &auth, &b.name, b.settings).await?;
    Ok((StatusCode::CREATED, Json(q.into())))
}

/// List the queues.
#[utoipa::path(get, path = "/api/v1/queues", tag = "live",
    responses((status = 200, body = Vec<QueueOut>), (status = 403)))]
pub async fn list_queues(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<QueueOut>>, ApiError> {
    let qs = service::queues(&state, &auth).await?;
    Ok(Json(qs.into_iter().map(QueueOut::from).collect()))
}

/// Get a queue.
#[utoipa::path(get, path = "/api/v1/queues/{id}", tag = "live",
    responses((status = 200, body = QueueOut), (status = 404), (status = 403)))]
pub async fn get_queue(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<QueueOut>, ApiError> {
    Ok(Json(service::queue(&state, &auth, &id).await?.into()))
}

/// Replace a queue's name and settings; waiting contacts keep their place.
#[utoipa::path(put, path = "/api/v1/queues/{id}", tag = "live", request_body = QueueIn,
    responses((status = 200, body = QueueOut), (status = 404), (status = 422), (status = 403)))]
pub async fn update_queue(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<QueueIn>,
) -> Result<Json<QueueOut>, ApiError> {
    let q = service::update_queue(&state, &auth, &id, &b.name, b.settings).await?;
    Ok(Json(q.into()))
}

/// Delete a queue; refused (409 `queue_in_use`) while it holds contacts or another queue
/// overflows into it.
#[utoipa::path(delete, path = "/api/v1/queues/{id}", tag = "live",
    responses((status = 204), (status = 404), (status = 409), (status = 403)))]
pub async fn delete_queue(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete_queue(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An agent's skills (name → level 1–5), capacity per channel and cross-channel rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentIn {
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub capacity: Capacity,
    #[serde(default)]
    pub mixed_channels: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentOut {
    pub user_id: String,
    pub skills: BTreeMap<String, u8>,
    #[schema(value_type = Object)]
    pub capacity: Capacity,
    pub mixed_channels: bool,
}

impl From<LiveAgent> for AgentOut {
    fn from(a: LiveAgent) -> Self {
        AgentOut {
            user_id: a.user_id,
            skills: a.skills,
            capacity: a.settings.capacity,
            mixed_channels: a.settings.mixed_channels,
        }
    }
}

/// Set a user's agent settings (skills replace the user's skills).
#[utoipa::path(put, path = "/api/v1/agents/{user_id}", tag = "live", request_body = AgentIn,
    responses((status = 200, body = AgentOut), (status = 404), (status = 422), (status = 403)))]
pub async fn set_agent(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(b): ApiJson<AgentIn>,
) -> Result<Json<AgentOut>, ApiError> {
    let settings = AgentSettings {
        capacity: b.capacity,
        mixed_channels: b.mixed_channels,
    };
    let a = service::set_agent(&state, &auth, &user_id, b.skills, settings).await?;
    Ok(Json(a.into()))
}

/// List the agents.
#[utoipa::path(get, path = "/api/v1/agents", tag = "live",
    responses((status = 200, body = Vec<AgentOut>), (status = 403)))]
pub async fn list_agents(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AgentOut>>, ApiError> {
    let v = service::agents(&state, &auth).await?;
    Ok(Json(v.into_iter().map(AgentOut::from).collect()))
}

/// A state to go to: `ready`, `aux` (with a `reason`: break, lunch, training, meeting,
/// other) or `logged_out`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateIn {
    pub state: String,
    #[serde(default)]
    pub reason: Option<String>,
}

fn wanted(b: &StateIn) -> Result<Wanted, ApiError> {
    let bad = |field: &str| {
        ApiError::Model(kefu_model::ModelError::InvalidField {
            field: field.into(),
            reason: kefu_model::error::FieldProblem::Format,
        })
    };
    Ok(match b.state.as_str() {
        "ready" => Wanted::Ready,
        "logged_out" => Wanted::LoggedOut,
        "aux" => Wanted::Aux(match b.reason.as_deref().unwrap_or("other") {
            "break" => AuxReason::Break,
            "lunch" => AuxReason::Lunch,
            "training" => AuxReason::Training,
            "meeting" => AuxReason::Meeting,
            "other" => AuxReason::Other,
            _ => return Err(bad("reason")),
        }),
        _ => return Err(bad("state")),
    })
}

/// The caller's desktop: state, offers ringing, contacts held.
#[utoipa::path(get, path = "/api/v1/live/agents/me", tag = "live",
    responses((status = 200, body = Desk), (status = 403)))]
pub async fn my_desk(State(state): State<AppState>, auth: Auth) -> Result<Json<Desk>, ApiError> {
    Ok(Json(service::my_desk(&state, &auth).await?))
}

/// Go ready, aux or logged out.
#[utoipa::path(put, path = "/api/v1/live/agents/me/state", tag = "live", request_body = StateIn,
    responses((status = 200, body = Desk), (status = 422), (status = 403)))]
pub async fn set_my_state(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<StateIn>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(
        service::set_my_state(&state, &auth, wanted(&b)?).await?,
    ))
}

/// A supervisor forces an agent to aux or logged out.
#[utoipa::path(put, path = "/api/v1/live/agents/{user_id}/state", tag = "live",
    request_body = StateIn, responses((status = 200, body = Desk), (status = 403)))]
pub async fn force_state(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(b): ApiJson<StateIn>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(
        service::force_state(&state, &auth, &user_id, wanted(&b)?).await?,
    ))
}

/// Accept an offer (409 `not_offered` when it is not ringing for the caller, e.g. taken in
/// another tab).
#[utoipa::path(post, path = "/api/v1/live/offers/{id}/accept", tag = "live",
    responses((status = 200, body = Desk), (status = 409), (status = 403)))]
pub async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(service::answer_offer(&state, &auth, &id, true).await?))
}

/// Reject an offer: the contact goes to another agent.
#[utoipa::path(post, path = "/api/v1/live/offers/{id}/reject", tag = "live",
    responses((status = 200, body = Desk), (status = 409), (status = 403)))]
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(
        service::answer_offer(&state, &auth, &id, false).await?,
    ))
}

/// End a contact in conversation; the agent goes to wrap-up.
#[utoipa::path(post, path = "/api/v1/live/interactions/{id}/end", tag = "live",
    responses((status = 200, body = Desk), (status = 404), (status = 409), (status = 403)))]
pub async fn end(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(service::end(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrapUpIn {
    pub disposition: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Wrap up an ended contact with a disposition code and a note.
#[utoipa::path(post, path = "/api/v1/live/interactions/{id}/wrap-up", tag = "live",
    request_body = WrapUpIn, responses((status = 200, body = Desk), (status = 409), (status = 422), (status = 403)))]
pub async fn wrap_up(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WrapUpIn>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(
        service::wrap_up(&state, &auth, &id, &b.disposition, b.note).await?,
    ))
}

/// A contact for a queue (from a PBX, a CTI connector or an integration).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// The queue's id.
    pub queue: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The caller's number or address: finds the customer when `customer_id` is absent.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub priority: i32,
}

/// Put a contact in a queue; answers the new interaction.
#[utoipa::path(post, path = "/api/v1/live/contacts", tag = "live", request_body = ContactIn,
    responses((status = 201, body = crate::interactions::api::InteractionOut), (status = 404), (status = 409), (status = 403)))]
pub async fn put_contact(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<ContactIn>,
) -> Result<(StatusCode, Json<crate::interactions::api::InteractionOut>), ApiError> {
    let m = service::arrive(
        &state,
        &auth,
        NewContact {
            queue: b.queue,
            channel: b.channel,
            customer_id: b.customer_id,
            from: b.from,
            priority: b.priority,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// Where a live contact stands: state, position, estimated wait.
#[utoipa::path(get, path = "/api/v1/live/contacts/{id}", tag = "live",
    responses((status = 200, body = service::ContactStatus), (status = 404), (status = 403)))]
pub async fn contact_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<service::ContactStatus>, ApiError> {
    Ok(Json(service::contact_status(&state, &auth, &id).await?))
}

/// Every queue's live figures (the wallboard's rows).
#[utoipa::path(get, path = "/api/v1/live/queues", tag = "live",
    responses((status = 200, body = Vec<service::QueueFigures>), (status = 403)))]
pub async fn queue_figures(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<service::QueueFigures>>, ApiError> {
    Ok(Json(service::queue_figures(&state, &auth).await?))
}

/// Every agent's live state and time in it (supervisors).
#[utoipa::path(get, path = "/api/v1/live/agents", tag = "live",
    responses((status = 200, body = Vec<service::AgentRow>), (status = 403)))]
pub async fn agent_board(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<service::AgentRow>>, ApiError> {
    Ok(Json(service::agent_board(&state, &auth).await?))
}

/// The caller's desktop as a stream of server-sent events: a `desk` event (the body of
/// `GET /api/v1/live/agents/me`) at once and after every change that concerns them (an
/// offer ringing or withdrawn, a contact answered or ended, their state). Browsers reconnect
/// by themselves, also across a server restart.
#[utoipa::path(get, path = "/api/v1/live/agents/me/events", tag = "live",
    responses((status = 200, content_type = "text/event-stream"), (status = 403)))]
pub async fn my_events(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<
    axum::response::sse::Sse<
        impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
    ApiError,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let p = auth.require(kefu_model::Action::TakeContacts)?.clone();
    // Subscribed before the first desk is read, so no change falls between.
    let rx = state.live.subscribe_desk(&p.scope, &p.user_id);
    let first = std::sync::Arc::new(service::my_desk(&state, &auth).await?);
    let event = |d: &Desk| {
        Event::default()
            .event("desk")
            .json_data(d)
            .unwrap_or_default()
    };
    let init = (rx, Some(first), state, auth);
    let stream =
        futures_util::stream::unfold(init, move |(mut rx, first, state, auth)| async move {
            if let Some(d) = first {
                return Some((Ok(event(&d)), (rx, None, state, auth)));
            }
            let got = tokio::select! {
                got = rx.recv() => got,
                _ = state.live.closed() => return None,
            };
            let desk = match got {
                Ok(d) => d,
                // Fell behind: the desk as it is now is whole.
                Err(RecvError::Lagged(_)) => {
                    std::sync::Arc::new(service::my_desk(&state, &auth).await.ok()?)
                }
                Err(RecvError::Closed) => return None,
            };
            Some((Ok(event(&desk)), (rx, None, state, auth)))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifyIn {
    pub customer_id: String,
}

/// Link a live contact to a customer (an unknown caller found or created on the desktop).
#[utoipa::path(post, path = "/api/v1/live/interactions/{id}/customer", tag = "live",
    request_body = IdentifyIn, responses((status = 200, body = Desk), (status = 404), (status = 422), (status = 403)))]
pub async fn identify(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<IdentifyIn>,
) -> Result<Json<Desk>, ApiError> {
    Ok(Json(
        service::identify(&state, &auth, &id, &b.customer_id).await?,
    ))
}
