//! Interactions (contacts: calls, chats, e-mails…) as recorded records: the application
//! service and the REST API.

pub mod api;
pub mod service;
