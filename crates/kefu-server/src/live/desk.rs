//! An agent's desktop as the engine sees it ([`Desk`]: state, ringing offers, contacts held):
//! the body of `GET /api/v1/live/agents/me` and of each push on the agent's stream.

use crate::live::engine::{Live, instant, state_str};
use kefu_acd::ContactState;
use serde::Serialize;

/// A contact ringing for an agent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub interaction_id: String,
    pub queue: String,
    #[schema(value_type = String)]
    pub channel: kefu_acd::Channel,
    pub customer_id: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A contact an agent holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Active {
    pub interaction_id: String,
    pub queue: String,
    #[schema(value_type = String)]
    pub channel: kefu_acd::Channel,
    pub customer_id: Option<String>,
    /// `busy` (in conversation) or `wrap_up`.
    pub state: &'static str,
}

/// An agent's desktop: state, ringing offers, contacts held.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Desk {
    pub user_id: String,
    pub state: &'static str,
    pub reason: Option<&'static str>,
    /// Seconds in the state.
    pub in_state_s: u64,
    pub offers: Vec<Offer>,
    pub active: Vec<Active>,
}

pub fn desk_of(live: &Live, user_id: &str, now: kefu_acd::Time) -> Desk {
    let mut d = Desk {
        user_id: user_id.to_owned(),
        state: "logged_out",
        reason: None,
        in_state_s: 0,
        offers: vec![],
        active: vec![],
    };
    let Some(a) = live.agent_id(user_id) else {
        return d;
    };
    let Some(view) = live.engine.agent(a) else {
        return d;
    };
    (d.state, d.reason) = state_str(view.state);
    d.in_state_s = live
        .since(a)
        .map_or(0, |t| now.max(live.engine.now()).saturating_sub(t) / 1000);
    for (c, expires) in live.offers_of(a) {
        let (Some(m), Some(v)) = (live.meta(c), live.engine.contact(c)) else {
            continue;
        };
        d.offers.push(Offer {
            interaction_id: m.id.clone(),
            queue: live.queue_name(v.queue).to_owned(),
            channel: v.channel,
            customer_id: m.customer_id.clone(),
            expires_at: instant(expires),
        });
    }
    for c in view.contacts {
        let (Some(m), Some(v)) = (live.meta(c), live.engine.contact(c)) else {
            continue;
        };
        d.active.push(Active {
            interaction_id: m.id.clone(),
            queue: live.queue_name(v.queue).to_owned(),
            channel: v.channel,
            customer_id: m.customer_id.clone(),
            state: match v.state {
                ContactState::WrapUp { .. } => "wrap_up",
                _ => "busy",
            },
        });
    }
    d
}
