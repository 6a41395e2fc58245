//! sea-orm entities, one module per table. Every table but `workspaces` and
//! `consumer_offsets` carries `workspace_id`.

pub mod api_token;
pub mod audit;
pub mod consumer_offset;
pub mod crm_rfm_setting;
pub mod crm_setting;
pub mod custom_field_def;
pub mod customer;
pub mod customer_event;
pub mod customer_identity;
pub mod customer_name_key;
pub mod interaction;
pub mod notification;
pub mod outbox;
pub mod segment;
pub mod team;
pub mod team_member;
pub mod ticket;
pub mod ticket_automation;
pub mod ticket_category;
pub mod ticket_category_of;
pub mod ticket_complaint;
pub mod ticket_link;
pub mod ticket_message;
pub mod ticket_settings;
pub mod ticket_sla_event;
pub mod ticket_sla_notice;
pub mod ticket_tag;
pub mod ticket_transition;
pub mod ticket_watcher;
pub mod user;
pub mod user_skill;
pub mod workspace;
