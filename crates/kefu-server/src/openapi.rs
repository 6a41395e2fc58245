//! The OpenAPI 3.1 document of the REST API, generated from the handlers' annotations.

use crate::api;
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "kefu API", description = "kefu (客服): customer service center REST API"),
    paths(
        api::session::login,
        api::tokens::create_token, api::tokens::list_tokens, api::tokens::revoke_token,
        api::users::create_user, api::users::list_users, api::users::get_user,
        api::users::update_user, api::users::delete_user,
        api::teams::create_team, api::teams::list_teams, api::teams::get_team,
        api::teams::update_team, api::teams::delete_team,
        api::customers::create_customer, api::customers::list_customers,
        api::customers::get_customer, api::customers::update_customer,
        api::customers::delete_customer,
        api::tickets::create_ticket, api::tickets::list_tickets, api::tickets::get_ticket,
        api::tickets::update_ticket, api::tickets::delete_ticket,
        api::tickets::transition_ticket, api::tickets::list_transitions,
        api::interactions::create_interaction, api::interactions::list_interactions,
        api::interactions::get_interaction, api::interactions::update_interaction,
        api::interactions::delete_interaction,
        api::reports::kpi,
        api::reports::get_costs, api::reports::put_costs, api::complaint_analytics::complaints,
        api::audit::list_audit,
        api::wfm::erlang_metrics, api::wfm::staffing, api::wfm::requirements,
        api::wfm::forecast, api::wfm::schedule,
        api::ticket_workflow::add_message, api::ticket_workflow::list_messages,
        api::ticket_workflow::get_tags, api::ticket_workflow::set_tags,
        api::ticket_workflow::get_watchers, api::ticket_workflow::watch,
        api::ticket_workflow::unwatch, api::ticket_workflow::get_links,
        api::ticket_workflow::add_link, api::ticket_workflow::merge, api::ticket_workflow::split,
        api::ticket_workflow::reopen,
        api::sla::get_policies, api::sla::put_policies, api::sla::get_settings,
        api::sla::patch_settings, api::sla::ticket_sla, api::sla::assign_policy,
        api::notifications::list, api::notifications::count, api::notifications::mark_read,
        api::complaints::get_complaint, api::complaints::analyse, api::complaints::propose,
        api::complaints::decide, api::complaints::follow_up,
        api::ticket_views::views, api::ticket_views::candidates, api::ticket_views::bulk,
        api::ticket_views::overview, api::ticket_views::get_skills, api::ticket_views::put_skills,
        api::automations::create_macro, api::automations::list_macros, api::automations::get_macro,
        api::automations::update_macro, api::automations::delete_macro,
        api::automations::create_trigger, api::automations::list_triggers,
        api::automations::get_trigger, api::automations::update_trigger,
        api::automations::delete_trigger, api::automations::apply_macro,
        api::categories::create_category, api::categories::list_categories,
        api::categories::delete_category, api::categories::get_category,
        api::categories::set_category,
        api::customers::timeline, api::customers::set_lifecycle, api::customers::set_owner,
        api::customers::bulk_assign, api::customers::add_note, api::customers::list_duplicates,
        api::customers::merge, api::customers::import_customers, api::customers::export_customers,
        api::crm::get_rfm, api::crm::put_rfm, api::crm::update_field, api::crm::delete_field,
        api::segments::update_segment, api::segments::delete_segment, api::crm::refresh_rfm, api::crm::customer_rfm,
        api::crm::get_settings, api::crm::put_settings, api::crm::list_fields,
        api::crm::create_field,
        api::segments::create_segment, api::segments::list_segments, api::segments::get_segment,
        api::segments::segment_customers, api::segments::segment_count,
    ),
    tags(
        (name = "auth"), (name = "tokens"), (name = "users"), (name = "teams"),
        (name = "customers"), (name = "tickets"), (name = "interactions"), (name = "audit"), (name = "sla"), (name = "complaints"), (name = "automations"), (name = "wfm"),
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
