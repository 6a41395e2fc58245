//! The OpenAPI 3.1 document of the REST API, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "kefu API", description = "kefu (客服): customer service center REST API"),
    paths(
        crate::identity::api::session::login,
        crate::identity::api::tokens::create_token, crate::identity::api::tokens::list_tokens, crate::identity::api::tokens::revoke_token,
        crate::identity::api::users::create_user, crate::identity::api::users::list_users, crate::identity::api::users::get_user,
        crate::identity::api::users::update_user, crate::identity::api::users::delete_user,
        crate::identity::api::teams::create_team, crate::identity::api::teams::list_teams, crate::identity::api::teams::get_team,
        crate::identity::api::teams::update_team, crate::identity::api::teams::delete_team,
        crate::crm::api::customers::create_customer, crate::crm::api::customers::list_customers,
        crate::crm::api::customers::get_customer, crate::crm::api::customers::update_customer,
        crate::crm::api::customers::delete_customer,
        crate::tickets::api::tickets::create_ticket, crate::tickets::api::tickets::list_tickets, crate::tickets::api::tickets::get_ticket,
        crate::tickets::api::tickets::update_ticket, crate::tickets::api::tickets::delete_ticket,
        crate::tickets::api::tickets::transition_ticket, crate::tickets::api::tickets::list_transitions,
        crate::interactions::api::create_interaction, crate::interactions::api::list_interactions,
        crate::interactions::api::get_interaction, crate::interactions::api::update_interaction,
        crate::interactions::api::delete_interaction,
        crate::live::api::create_queue, crate::live::api::list_queues, crate::live::api::get_queue,
        crate::live::api::update_queue, crate::live::api::delete_queue, crate::live::api::set_agent,
        crate::live::api::list_agents, crate::live::api::my_desk, crate::live::api::set_my_state,
        crate::live::api::force_state, crate::live::api::accept, crate::live::api::reject,
        crate::live::api::end, crate::live::api::wrap_up, crate::live::api::put_contact,
        crate::live::api::contact_status, crate::live::api::queue_figures,
        crate::live::api::agent_board, crate::live::api::my_events, crate::live::api::identify,
        crate::reports::api::kpi::kpi,
        crate::reports::api::kpi::get_costs, crate::reports::api::kpi::put_costs, crate::reports::api::complaints::complaints,
        crate::identity::api::audit::list_audit,
        crate::planning::api::erlang_metrics, crate::planning::api::staffing, crate::planning::api::requirements,
        crate::planning::api::forecast, crate::planning::api::schedule,
        crate::tickets::api::workflow::add_message, crate::tickets::api::workflow::list_messages,
        crate::tickets::api::workflow::get_tags, crate::tickets::api::workflow::set_tags,
        crate::tickets::api::workflow::get_watchers, crate::tickets::api::workflow::watch,
        crate::tickets::api::workflow::unwatch, crate::tickets::api::workflow::get_links,
        crate::tickets::api::workflow::add_link, crate::tickets::api::workflow::merge, crate::tickets::api::workflow::split,
        crate::tickets::api::workflow::reopen,
        crate::tickets::api::sla::get_policies, crate::tickets::api::sla::put_policies, crate::tickets::api::sla::get_settings,
        crate::tickets::api::sla::patch_settings, crate::tickets::api::sla::ticket_sla, crate::tickets::api::sla::assign_policy,
        crate::notifications::api::list, crate::notifications::api::count, crate::notifications::api::mark_read,
        crate::tickets::api::complaints::get_complaint, crate::tickets::api::complaints::analyse, crate::tickets::api::complaints::propose,
        crate::tickets::api::complaints::decide, crate::tickets::api::complaints::follow_up,
        crate::tickets::api::views::views, crate::tickets::api::views::candidates, crate::tickets::api::views::bulk,
        crate::tickets::api::views::overview, crate::tickets::api::views::get_skills, crate::tickets::api::views::put_skills,
        crate::tickets::api::automations::create_macro, crate::tickets::api::automations::list_macros, crate::tickets::api::automations::get_macro,
        crate::tickets::api::automations::update_macro, crate::tickets::api::automations::delete_macro,
        crate::tickets::api::automations::create_trigger, crate::tickets::api::automations::list_triggers,
        crate::tickets::api::automations::get_trigger, crate::tickets::api::automations::update_trigger,
        crate::tickets::api::automations::delete_trigger, crate::tickets::api::automations::apply_macro,
        crate::tickets::api::categories::create_category, crate::tickets::api::categories::list_categories,
        crate::tickets::api::categories::delete_category, crate::tickets::api::categories::get_category,
        crate::tickets::api::categories::set_category,
        crate::crm::api::customers::timeline, crate::crm::api::customers::set_lifecycle, crate::crm::api::customers::set_owner,
        crate::crm::api::customers::bulk_assign, crate::crm::api::customers::add_note, crate::crm::api::customers::list_duplicates,
        crate::crm::api::customers::merge, crate::crm::api::customers::import_customers, crate::crm::api::customers::export_customers,
        crate::crm::api::settings::get_rfm, crate::crm::api::settings::put_rfm, crate::crm::api::settings::update_field, crate::crm::api::settings::delete_field,
        crate::crm::api::segments::update_segment, crate::crm::api::segments::delete_segment, crate::crm::api::settings::refresh_rfm, crate::crm::api::settings::customer_rfm,
        crate::crm::api::settings::get_settings, crate::crm::api::settings::put_settings, crate::crm::api::settings::list_fields,
        crate::crm::api::settings::create_field,
        crate::crm::api::segments::create_segment, crate::crm::api::segments::list_segments, crate::crm::api::segments::get_segment,
        crate::crm::api::segments::segment_customers, crate::crm::api::segments::segment_count,
    ),
    tags(
        (name = "auth"), (name = "tokens"), (name = "users"), (name = "teams"),
        (name = "customers"), (name = "tickets"), (name = "interactions"), (name = "live"), (name = "audit"), (name = "sla"), (name = "complaints"), (name = "automations"), (name = "wfm"),
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
