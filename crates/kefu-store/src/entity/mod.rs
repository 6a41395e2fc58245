//! sea-orm entities, one module per table. Every table but `workspaces` and
//! `consumer_offsets` carries `workspace_id`.

pub mod api_token;
pub mod audit;
pub mod consumer_offset;
pub mod crm_setting;
pub mod custom_field_def;
pub mod customer;
pub mod customer_event;
pub mod customer_identity;
pub mod interaction;
pub mod outbox;
pub mod segment;
pub mod team;
pub mod team_member;
pub mod ticket;
pub mod ticket_transition;
pub mod user;
pub mod workspace;
