//! Interactions (`/api/v1/interactions`): every contact with all fields of SPEC C2. The
//! wire types and handlers; the rules are `interactions::service`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{ApiJson, ApiQuery, PageOut, nullable, page_req};
use crate::interactions::service::{self, References};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kefu_model::{Channel, Direction, InteractionOutcome};
use kefu_store::entity::interaction;
use kefu_store::interactions::{InteractionFields, InteractionFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/interactions",
            get(list_interactions).post(create_interaction),
        )
        .route(
            "/interactions/{id}",
            get(get_interaction)
                .patch(update_interaction)
                .delete(delete_interaction),
        )
}

/// A new interaction. Timestamps are RFC 3339; durations are whole seconds.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionIn {
    #[schema(value_type = String, example = "voice")]
    pub channel: Channel,
    #[schema(value_type = String, example = "inbound")]
    pub direction: Direction,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    pub agent_id: Option<String>,
    pub ticket_id: Option<String>,
    pub offered_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub abandoned_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wrap_up_ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ring_s: i64,
    #[serde(default)]
    pub talk_s: i64,
    #[serde(default)]
    pub hold_s: i64,
    #[serde(default)]
    pub acw_s: i64,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<InteractionOutcome>,
    pub disposition: Option<String>,
    pub transcript: Option<String>,
    pub recording_ref: Option<String>,
}

/// Changes to an interaction; a field set to null is cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionPatch {
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
    #[schema(value_type = Option<String>)]
    pub direction: Option<Direction>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub queue: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub agent_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub ticket_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub offered_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub queued_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ringing_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub answered_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub abandoned_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub held_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ended_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub wrap_up_ended_at: Option<Option<DateTime<Utc>>>,
    pub ring_s: Option<i64>,
    pub talk_s: Option<i64>,
    pub hold_s: Option<i64>,
    pub acw_s: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Option<InteractionOutcome>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub disposition: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub transcript: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub recording_ref: Option<Option<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InteractionOut {
    pub id: String,
    #[schema(value_type = String)]
    pub channel: kefu_model::Channel,
    #[schema(value_type = String)]
    pub direction: kefu_model::Direction,
    pub customer_id: Option<String>,
    pub queue: Option<String>,
    pub agent_id: Option<String>,
    pub ticket_id: Option<String>,
    pub offered_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub abandoned_at: Option<DateTime<Utc>>,
    pub held_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wrap_up_ended_at: Option<DateTime<Utc>>,
    pub ring_s: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub acw_s: i64,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<kefu_model::InteractionOutcome>,
    pub disposition: Option<String>,
    pub transcript: Option<String>,
    pub recording_ref: Option<String>,
    /// The agent's wrap-up note (live contacts).
    pub wrap_up_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<interaction::Model> for InteractionOut {
    fn from(m: interaction::Model) -> Self {
        InteractionOut {
            id: m.id,
            channel: m.channel,
            direction: m.direction,
            customer_id: m.customer_id,
            queue: m.queue,
            agent_id: m.agent_id,
            ticket_id: m.ticket_id,
            offered_at: m.offered_at,
            queued_at: m.queued_at,
            ringing_at: m.ringing_at,
            answered_at: m.answered_at,
            abandoned_at: m.abandoned_at,
            held_at: m.held_at,
            ended_at: m.ended_at,
            wrap_up_ended_at: m.wrap_up_ended_at,
            ring_s: m.ring_s,
            talk_s: m.talk_s,
            hold_s: m.hold_s,
            acw_s: m.acw_s,
            outcome: m.outcome,
            disposition: m.disposition,
            transcript: m.transcript,
            recording_ref: m.recording_ref,
            wrap_up_note: m.wrap_up_note,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InteractionQuery {
    #[param(value_type = Option<String>)]
    pub channel: Option<Channel>,
    #[param(value_type = Option<String>)]
    pub direction: Option<Direction>,
    pub customer_id: Option<String>,
    pub agent_id: Option<String>,
    pub ticket_id: Option<String>,
    pub queue: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Record an interaction.
#[utoipa::path(post, path = "/api/v1/interactions", tag = "interactions", request_body = InteractionIn,
    responses((status = 201, body = InteractionOut), (status = 422, description = "invalid_field or unknown_reference")))]
pub async fn create_interaction(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<InteractionIn>,
) -> Result<(StatusCode, Json<InteractionOut>), ApiError> {
    let fields = InteractionFields {
        channel: b.channel,
        direction: b.direction,
        customer_id: b.customer_id,
        queue: b.queue,
        agent_id: b.agent_id,
        ticket_id: b.ticket_id,
        offered_at: b.offered_at,
        queued_at: b.queued_at,
        ringing_at: b.ringing_at,
        answered_at: b.answered_at,
        abandoned_at: b.abandoned_at,
        held_at: b.held_at,
        ended_at: b.ended_at,
        wrap_up_ended_at: b.wrap_up_ended_at,
        ring_s: b.ring_s,
        talk_s: b.talk_s,
        hold_s: b.hold_s,
        acw_s: b.acw_s,
        outcome: b.outcome,
        disposition: b.disposition,
        transcript: b.transcript,
        recording_ref: b.recording_ref,
    };
    let m = service::create(&state, &auth, fields).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// List interactions.
#[utoipa::path(get, path = "/api/v1/interactions", tag = "interactions", params(InteractionQuery),
    responses((status = 200, body = PageOut<InteractionOut>)))]
pub async fn list_interactions(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<InteractionQuery>,
) -> Result<Json<PageOut<InteractionOut>>, ApiError> {
    let filter = InteractionFilter {
        channel: q.channel,
        direction: q.direction,
        customer_id: q.customer_id,
        agent_id: q.agent_id,
        ticket_id: q.ticket_id,
        queue: q.queue,
    };
    let page = service::list(&state, &auth, filter, &page_req(q.limit, q.cursor)).await?;
    Ok(Json(PageOut::map(page, InteractionOut::from)))
}

/// Get an interaction.
#[utoipa::path(get, path = "/api/v1/interactions/{id}", tag = "interactions",
    responses((status = 200, body = InteractionOut), (status = 404)))]
pub async fn get_interaction(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<InteractionOut>, ApiError> {
    Ok(Json(service::get(&state, &auth, &id).await?.into()))
}

/// Change an interaction.
#[utoipa::path(patch, path = "/api/v1/interactions/{id}", tag = "interactions", request_body = InteractionPatch,
    responses((status = 200, body = InteractionOut), (status = 404)))]
pub async fn update_interaction(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InteractionPatch>,
) -> Result<Json<InteractionOut>, ApiError> {
    let refs = References {
        customer_id: b.customer_id,
        agent_id: b.agent_id,
        ticket_id: b.ticket_id,
    };
    let m = service::update(&state, &auth, &id, refs, |f| {
        macro_rules! set {
            ($($field:ident = $value:expr),* $(,)?) => { $(if let Some(v) = $value { f.$field = v; })* };
        }
        set!(
            channel = b.channel,
            direction = b.direction,
            queue = b.queue,
            offered_at = b.offered_at,
            queued_at = b.queued_at,
            ringing_at = b.ringing_at,
            answered_at = b.answered_at,
            abandoned_at = b.abandoned_at,
            held_at = b.held_at,
            ended_at = b.ended_at,
            wrap_up_ended_at = b.wrap_up_ended_at,
            ring_s = b.ring_s,
            talk_s = b.talk_s,
            hold_s = b.hold_s,
            acw_s = b.acw_s,
            outcome = b.outcome,
            disposition = b.disposition,
            transcript = b.transcript,
            recording_ref = b.recording_ref,
        );
    })
    .await?;
    Ok(Json(m.into()))
}

/// Delete an interaction.
#[utoipa::path(delete, path = "/api/v1/interactions/{id}", tag = "interactions",
    responses((status = 204), (status = 404)))]
pub async fn delete_interaction(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
