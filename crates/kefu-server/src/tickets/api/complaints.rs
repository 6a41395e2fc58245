//! Complaint handling on complaint tickets (`/api/v1/tickets/{id}/complaint`): analysis,
//! compensation proposed by an agent and decided by a supervisor only, the follow-up call.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::tickets::service::complaints::{self as service, Analysis, Step};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kefu_store::entity::ticket_complaint;
use kefu_store::tickets::complaints::Classification;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets/{id}/complaint", get(get_complaint).put(analyse))
        .route("/tickets/{id}/complaint/compensation", post(propose))
        .route("/tickets/{id}/complaint/decision", post(decide))
        .route("/tickets/{id}/complaint/follow-up", post(follow_up))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintOut {
    pub ticket_id: String,
    /// `routine`, `exploratory` or `concentrated`.
    pub classification: Option<String>,
    pub root_cause: String,
    pub responsible_team_id: Option<String>,
    pub responsible_user_id: Option<String>,
    /// `none`, `proposed`, `approved` or `rejected`.
    pub compensation_status: String,
    pub compensation: String,
    pub compensation_proposed_by: Option<String>,
    pub compensation_decided_by: Option<String>,
    pub compensation_decision_reason: String,
    pub follow_up_at: Option<chrono::DateTime<chrono::Utc>>,
    pub follow_up_by: Option<String>,
    pub follow_up_note: String,
}

impl From<ticket_complaint::Model> for ComplaintOut {
    fn from(m: ticket_complaint::Model) -> Self {
        ComplaintOut {
            ticket_id: m.ticket_id,
            classification: m.classification,
            root_cause: m.root_cause,
            responsible_team_id: m.responsible_team_id,
            responsible_user_id: m.responsible_user_id,
            compensation_status: m.compensation_status,
            compensation: m.compensation,
            compensation_proposed_by: m.compensation_proposed_by,
            compensation_decided_by: m.compensation_decided_by,
            compensation_decision_reason: m.compensation_decision_reason,
            follow_up_at: m.follow_up_at,
            follow_up_by: m.follow_up_by,
            follow_up_note: m.follow_up_note,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisIn {
    #[schema(value_type = Option<String>, example = "routine")]
    pub classification: Option<Classification>,
    #[serde(default)]
    pub root_cause: String,
    pub responsible_team_id: Option<String>,
    pub responsible_user_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompensationIn {
    /// What is offered, e.g. "退款 200 元".
    pub compensation: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpIn {
    /// What the customer said on the follow-up call (回访).
    pub note: String,
}

async fn step(
    state: AppState,
    auth: Auth,
    id: String,
    s: Step,
) -> Result<Json<ComplaintOut>, ApiError> {
    Ok(Json(service::step(&state, &auth, &id, s).await?.into()))
}

/// The complaint handling of a complaint ticket; 409 `not_a_complaint` otherwise.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/complaint", tag = "complaints",
    responses((status = 200, body = ComplaintOut), (status = 404), (status = 409)))]
pub async fn get_complaint(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<ComplaintOut>, ApiError> {
    Ok(Json(service::complaint(&state, &auth, &id).await?.into()))
}

/// Record classification, root cause and responsibility.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/complaint", tag = "complaints", request_body = AnalysisIn,
    responses((status = 200, body = ComplaintOut), (status = 404), (status = 409), (status = 422)))]
pub async fn analyse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnalysisIn>,
) -> Result<Json<ComplaintOut>, ApiError> {
    let a = Analysis {
        classification: b.classification,
        root_cause: b.root_cause,
        responsible_team_id: b.responsible_team_id,
        responsible_user_id: b.responsible_user_id,
    };
    step(state, auth, id, Step::Analyse(a)).await
}

/// Propose a compensation (补偿); it waits for a supervisor's decision.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/complaint/compensation", tag = "complaints", request_body = CompensationIn,
    responses((status = 200, body = ComplaintOut), (status = 404), (status = 409), (status = 422)))]
pub async fn propose(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CompensationIn>,
) -> Result<Json<ComplaintOut>, ApiError> {
    let s = Step::Propose {
        compensation: b.compensation,
    };
    step(state, auth, id, s).await
}

/// Approve or reject the proposed compensation (supervisors and admins only); 409
/// `no_compensation_proposed`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/complaint/decision", tag = "complaints", request_body = DecisionIn,
    responses((status = 200, body = ComplaintOut), (status = 403), (status = 404), (status = 409)))]
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> Result<Json<ComplaintOut>, ApiError> {
    let s = Step::Decide {
        approve: b.approve,
        reason: b.reason,
    };
    step(state, auth, id, s).await
}

/// Record the follow-up call (回访); a complaint cannot be closed before it (configurable,
/// 409 `follow_up_required`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/complaint/follow-up", tag = "complaints", request_body = FollowUpIn,
    responses((status = 200, body = ComplaintOut), (status = 404), (status = 409), (status = 422)))]
pub async fn follow_up(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FollowUpIn>,
) -> Result<Json<ComplaintOut>, ApiError> {
    step(state, auth, id, Step::FollowUp { note: b.note }).await
}
