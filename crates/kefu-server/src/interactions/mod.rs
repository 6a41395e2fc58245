//! Interactions (contacts: calls, chats, e-mails…) as recorded records: the REST API.

pub mod api;
