//! The after-sales workflow of a ticket: messages (`/tickets/{id}/messages`: public replies
//! and internal notes), tags, watchers, links, merge, split and reopen (with the follow-up
//! ticket after the reopen window).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::ApiJson;
use crate::tickets::api::tickets::TicketOut;
use crate::tickets::service::workflow as service;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kefu_model::Channel;
use kefu_store::entity::ticket_message;
use kefu_store::tickets::messages::{Attachment, AuthorKind, NewMessage};
use kefu_store::tickets::relations::{LinkKind, LinkView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tickets/{id}/messages",
            get(list_messages).post(add_message),
        )
        .route("/tickets/{id}/tags", get(get_tags).put(set_tags))
        .route("/tickets/{id}/watchers", get(get_watchers))
        .route(
            "/tickets/{id}/watchers/{user_id}",
            put(watch).delete(unwatch),
        )
        .route("/tickets/{id}/links", get(get_links).post(add_link))
        .route("/tickets/{id}/merge", post(merge))
        .route("/tickets/{id}/split", post(split))
        .route("/tickets/{id}/reopen", post(reopen))
}

fn yes() -> bool {
    true
}

fn agent() -> AuthorKind {
    AuthorKind::Agent
}

fn web_form() -> Channel {
    Channel::WebForm
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentIn {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    pub body: String,
    /// `false` for an internal note (agents only).
    #[serde(default = "yes")]
    pub public: bool,
    /// `agent` (default; the caller) or `customer` (the ticket's customer, recorded by staff).
    #[serde(default = "agent")]
    #[schema(value_type = String, example = "agent")]
    pub author: AuthorKind,
    #[serde(default = "web_form")]
    #[schema(value_type = String, example = "email")]
    pub channel: Channel,
    #[serde(default)]
    pub attachments: Vec<AttachmentIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    pub id: String,
    pub ticket_id: String,
    pub author_id: Option<String>,
    #[schema(value_type = String)]
    pub author: kefu_model::AuthorKind,
    pub public: bool,
    #[schema(value_type = String)]
    pub channel: kefu_model::Channel,
    pub body: String,
    #[schema(value_type = Vec<Object>)]
    pub attachments: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<ticket_message::Model> for MessageOut {
    fn from(m: ticket_message::Model) -> Self {
        MessageOut {
            id: m.id,
            ticket_id: m.ticket_id,
            author_id: m.author_id,
            author: m.author_kind,
            public: m.public,
            channel: m.channel,
            body: m.body,
            attachments: m.attachments,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsIn {
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagsOut {
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchersOut {
    pub watchers: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIn {
    pub other_id: String,
    /// `related`, `follow_up` (the other is a follow-up of this one) or `duplicate` (this
    /// one duplicates the other).
    #[schema(value_type = String, example = "related")]
    pub kind: LinkKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkOut {
    pub other_id: String,
    pub kind: String,
    /// Whether this ticket is the link's source.
    pub outgoing: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<LinkView> for LinkOut {
    fn from(l: LinkView) -> Self {
        LinkOut {
            other_id: l.other_id,
            kind: l.kind,
            outgoing: l.outgoing,
            created_at: l.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The ticket that receives this one's messages, links, tags and watchers.
    pub into: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitIn {
    pub message_id: String,
    pub subject: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenIn {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReopenOut {
    /// The reopened ticket, or the new follow-up ticket.
    pub ticket: TicketOut,
    /// Whether the reopen window had passed and a linked follow-up ticket was created.
    pub follow_up: bool,
}

/// Add a public reply or an internal note.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", request_body = MessageIn,
    responses((status = 201, body = MessageOut), (status = 404), (status = 422, description = "invalid_field")))]
pub async fn add_message(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageIn>,
) -> Result<(StatusCode, Json<MessageOut>), ApiError> {
    let m = NewMessage {
        author: b.author,
        public: b.public,
        channel: b.channel,
        body: b.body,
        attachments: b
            .attachments
            .into_iter()
            .map(|a| Attachment {
                name: a.name,
                content_type: a.content_type,
                size: a.size,
                url: a.url,
            })
            .collect(),
    };
    let saved = service::add_message(&state, &auth, &id, m).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// The messages of a ticket, oldest first.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "tickets",
    responses((status = 200, body = Vec<MessageOut>), (status = 404)))]
pub async fn list_messages(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<MessageOut>>, ApiError> {
    let rows = service::messages(&state, &auth, &id).await?;
    Ok(Json(rows.into_iter().map(MessageOut::from).collect()))
}

/// The tags of a ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/tags", tag = "tickets",
    responses((status = 200, body = TagsOut), (status = 404)))]
pub async fn get_tags(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<TagsOut>, ApiError> {
    let tags = service::tags(&state, &auth, &id).await?;
    Ok(Json(TagsOut { tags }))
}

/// Replace the tags of a ticket.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/tags", tag = "tickets", request_body = TagsIn,
    responses((status = 200, body = TagsOut), (status = 404), (status = 422)))]
pub async fn set_tags(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TagsIn>,
) -> Result<Json<TagsOut>, ApiError> {
    let tags = service::set_tags(&state, &auth, &id, &b.tags).await?;
    Ok(Json(TagsOut { tags }))
}

/// The watchers of a ticket (user ids).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/watchers", tag = "tickets",
    responses((status = 200, body = WatchersOut), (status = 404)))]
pub async fn get_watchers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<WatchersOut>, ApiError> {
    let watchers = service::watchers(&state, &auth, &id).await?;
    Ok(Json(WatchersOut { watchers }))
}

/// Add a watcher (idempotent).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/watchers/{user_id}", tag = "tickets",
    responses((status = 200, body = WatchersOut), (status = 404), (status = 422, description = "unknown_reference")))]
pub async fn watch(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<WatchersOut>, ApiError> {
    let watchers = service::set_watcher(&state, &auth, &id, &user_id, true).await?;
    Ok(Json(WatchersOut { watchers }))
}

/// Remove a watcher (idempotent).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/watchers/{user_id}", tag = "tickets",
    responses((status = 200, body = WatchersOut), (status = 404)))]
pub async fn unwatch(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<WatchersOut>, ApiError> {
    let watchers = service::set_watcher(&state, &auth, &id, &user_id, false).await?;
    Ok(Json(WatchersOut { watchers }))
}

/// The links of a ticket, both ways.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/links", tag = "tickets",
    responses((status = 200, body = Vec<LinkOut>), (status = 404)))]
pub async fn get_links(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<LinkOut>>, ApiError> {
    let links = service::links(&state, &auth, &id).await?;
    Ok(Json(links.into_iter().map(LinkOut::from).collect()))
}

/// Link this ticket to another; 409 `self_link`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/links", tag = "tickets", request_body = LinkIn,
    responses((status = 200, body = Vec<LinkOut>), (status = 404), (status = 409), (status = 422)))]
pub async fn add_link(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LinkIn>,
) -> Result<Json<Vec<LinkOut>>, ApiError> {
    let links = service::link(&state, &auth, &id, &b.other_id, b.kind).await?;
    Ok(Json(links.into_iter().map(LinkOut::from).collect()))
}

/// Merge this ticket into another; returns the target.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/merge", tag = "tickets", request_body = MergeIn,
    responses((status = 200, body = TicketOut), (status = 404),
        (status = 409, description = "merge_into_self or ticket_closed"), (status = 422)))]
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MergeIn>,
) -> Result<Json<TicketOut>, ApiError> {
    Ok(Json(
        service::merge(&state, &auth, &id, &b.into).await?.into(),
    ))
}

/// Split a message off into a new linked ticket; returns the new ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/split", tag = "tickets", request_body = SplitIn,
    responses((status = 201, body = TicketOut), (status = 404), (status = 422)))]
pub async fn split(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SplitIn>,
) -> Result<(StatusCode, Json<TicketOut>), ApiError> {
    let t = service::split(&state, &auth, &id, &b.message_id, b.subject).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Reopen a resolved or closed ticket: within the reopen window the ticket itself, after it
/// a new follow-up ticket linked to it (201).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/reopen", tag = "tickets", request_body = ReopenIn,
    responses((status = 200, body = ReopenOut), (status = 201, body = ReopenOut), (status = 404),
        (status = 409, description = "invalid_transition")))]
pub async fn reopen(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReopenIn>,
) -> Result<(StatusCode, Json<ReopenOut>), ApiError> {
    let (t, follow_up) = service::reopen(&state, &auth, &id, &b.reason).await?;
    let status = if follow_up {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ReopenOut {
            ticket: t.into(),
            follow_up,
        }),
    ))
}
