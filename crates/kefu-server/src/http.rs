//! Shared HTTP plumbing of the REST API: body and query extractors that turn every malformed
//! input into a problem, path and body ids, pages of lists, PATCH nulls. Each domain's `api`
//! module holds its wire types (separate from store records) and annotated handlers.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A JSON body; every way it can be wrong becomes a problem (never a 500).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::InvalidBody(e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::InvalidJson(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(JsonRejection::BytesRejection(e)) if e.status() == 413 => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(e) => Err(ApiError::InvalidBody(e.body_text())),
        }
    }
}

/// Query parameters; a malformed query is a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e @ QueryRejection::FailedToDeserializeQueryString(_)) => {
                Err(ApiError::InvalidQuery(e.body_text()))
            }
            Err(e) => Err(ApiError::InvalidQuery(e.body_text())),
        }
    }
}

/// A path id: anything that is not an id cannot name a record, so it is "not found".
pub fn path_id(raw: &str) -> Result<String, ApiError> {
    raw.parse::<kefu_model::Id>()
        .map(|id| id.to_string())
        .map_err(|_| ApiError::NotFound)
}

/// An optional id in a body or query: a malformed one is an invalid field.
pub fn opt_id(field: &'static str, raw: Option<String>) -> Result<Option<String>, ApiError> {
    raw.map(|r| {
        r.parse::<kefu_model::Id>()
            .map(|id| id.to_string())
            .map_err(|_| {
                ApiError::Model(kefu_model::ModelError::InvalidField {
                    field: field.into(),
                    reason: kefu_model::error::FieldProblem::Format,
                })
            })
    })
    .transpose()
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOut<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> PageOut<T> {
    pub fn map<R, F: Fn(R) -> T>(page: kefu_store::Page<R>, f: F) -> PageOut<T> {
        PageOut {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// Reads a present-but-null field as `Some(None)` and an absent one as `None` (for PATCH).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub(crate) fn page_req(limit: Option<u64>, cursor: Option<String>) -> kefu_store::PageRequest {
    kefu_store::PageRequest { limit, cursor }
}
