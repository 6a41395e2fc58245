//! Identity: sign-in, sessions, tokens, roles.

mod auth;
