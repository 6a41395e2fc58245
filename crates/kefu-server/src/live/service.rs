//! The live center's application service: configuring queues and agents, agents' states,
//! contacts entering queues, offers accepted and rejected, contacts ended and wrapped up, and
//! the live figures of queues and agents. Each use case checks its role, then runs one
//! routing step of the workspace's engine ([`crate::live::center`]).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::http::{opt_id, path_id};
use crate::live::center::{Guard, StepError};
use crate::live::desk::Desk;
use crate::live::engine::{Cmd, Live, ms, state_str};
use kefu_acd::{AuxReason, ContactState, Presence};
use kefu_model::{Action, Channel, Direction};
use kefu_store::entity::{interaction, live_queue};
use kefu_store::interactions::InteractionFields;
use kefu_store::live::settings::{AgentSettings, QueueSettings};
use kefu_store::live::{AgentChange, ContactPatch, Effect, LiveAgent, LiveChange, QueueChange};
use kefu_store::{Actor, StoreError, WorkspaceScope};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

fn conflict(code: &'static str, detail: &str) -> ApiError {
    ApiError::Store(StoreError::Conflict {
        code,
        detail: detail.to_owned(),
    })
}

fn refused(e: StepError) -> ApiError {
    use crate::live::engine::Refusal as R;
    match e {
        StepError::Api(e) => e,
        StepError::Refused(r) => match r {
            R::UnknownQueue | R::UnknownContact => ApiError::NotFound,
            R::UnknownAgent => conflict("not_an_agent", "this user is not a live agent"),
            R::Duplicate => conflict("contact_exists", "this contact is already live"),
            R::NotOffered => conflict("not_offered", "this contact is not offered to you"),
            R::WrongState => conflict(
                "wrong_contact_state",
                "the contact is not in a state for this",
            ),
            R::TooManySkills => conflict("too_many_skills", "too many required skills"),
        },
    }
}

async fn engine<'a>(state: &'a AppState, scope: &WorkspaceScope) -> Result<Guard<'a>, ApiError> {
    state.live.lock(state.live.workspace(scope)).await
}

fn name(field: &str, v: &str) -> Result<String, ApiError> {
    Ok(kefu_model::validate::required(field, v, 200)?)
}

/// Checks settings and the queues they name (overflow targets of this workspace).
async fn checked(
    state: &AppState,
    scope: &WorkspaceScope,
    s: &QueueSettings,
) -> Result<(), ApiError> {
    s.validate()?;
    for q in s.queues_named() {
        let q = path_id(q)?;
        if state.store.live_queue(scope, &q).await.is_err() {
            return Err(ApiError::Store(StoreError::UnknownReference {
                field: "queue",
            }));
        }
    }
    Ok(())
}

/// Creates queue `name` with `settings`.
pub async fn create_queue(
    state: &AppState,
    auth: &Auth,
    name_in: &str,
    settings: QueueSettings,
) -> Result<live_queue::Model, ApiError> {
    save_queue(state, auth, None, name_in, settings).await
}

/// Changes queue `id`: contacts waiting in it stay, in their order; new settings apply to
/// them from now on.
pub async fn update_queue(
    state: &AppState,
    auth: &Auth,
    id: &str,
    name_in: &str,
    settings: QueueSettings,
) -> Result<live_queue::Model, ApiError> {
    save_queue(state, auth, Some(id), name_in, settings).await
}

/// Creates (`id` `None`) or changes a queue, in the store and the engine in one step.
async fn save_queue(
    state: &AppState,
    auth: &Auth,
    id: Option<&str>,
    name_in: &str,
    settings: QueueSettings,
) -> Result<live_queue::Model, ApiError> {
    let p = auth.require(Action::ManageLive)?;
    let existing = match id {
        Some(id) => {
            let id = path_id(id)?;
            state.store.live_queue(&p.scope, &id).await?;
            Some(id)
        }
        None => None,
    };
    let name = name("name", name_in)?;
    checked(state, &p.scope, &settings).await?;
    let id = existing
        .clone()
        .unwrap_or_else(|| kefu_model::new_id().to_string());
    let mut g = engine(state, &p.scope).await?;
    let mut change = LiveChange::default();
    let (id2, s2) = (id.clone(), settings.clone());
    change.queue = Some(match existing {
        Some(_) => QueueChange::Update {
            id: id2,
            name,
            settings: s2,
        },
        None => QueueChange::Create {
            id: id2,
            name,
            settings: s2,
        },
    });
    let cmd = Cmd::Queue {
        id: id.clone(),
        settings,
    };
    g.run(&p.actor(), vec![cmd], change)
        .await
        .map_err(refused)?;
    Ok(state.store.live_queue(&p.scope, &id).await?)
}

/// Deletes queue `id`. Refused while contacts wait, ring or talk in it (move or end them
/// first) or while another queue overflows into it: deleting never loses a contact.
pub async fn delete_queue(state: &AppState, auth: &Auth, id: &str) -> Result<(), ApiError> {
    let p = auth.require(Action::ManageLive)?;
    let id = path_id(id)?;
    state.store.live_queue(&p.scope, &id).await?;
    for other in state.store.live_queues(&p.scope, false).await? {
        let s: QueueSettings = serde_json::from_value(other.settings).unwrap_or_default();
        if other.id != id && s.queues_named().contains(&id.as_str()) {
            return Err(conflict(
                "queue_in_use",
                "another queue overflows into this queue",
            ));
        }
    }
    let mut g = engine(state, &p.scope).await?;
    let live = g.live();
    if let Some(q) = live.queue_id(&id)
        && live
            .contacts()
            .any(|(c, _)| live.engine.contact(c).is_some_and(|v| v.queue == q))
    {
        return Err(conflict("queue_in_use", "contacts are still in this queue"));
    }
    let change = LiveChange {
        queue: Some(QueueChange::Delete { id: id.clone() }),
        ..LiveChange::default()
    };
    g.run(&p.actor(), vec![Cmd::DeleteQueue { id }], change)
        .await
        .map_err(refused)?;
    Ok(())
}

/// The queues of the workspace.
pub async fn queues(state: &AppState, auth: &Auth) -> Result<Vec<live_queue::Model>, ApiError> {
    let p = auth.require(Action::ReadInteractions)?;
    Ok(state.store.live_queues(&p.scope, false).await?)
}

/// Queue `id`.
pub async fn queue(state: &AppState, auth: &Auth, id: &str) -> Result<live_queue::Model, ApiError> {
    let p = auth.require(Action::ReadInteractions)?;
    Ok(state.store.live_queue(&p.scope, &path_id(id)?).await?)
}

/// The command and the stored change that give agent `user_id` these skills and settings.
fn agent_step(
    user_id: &str,
    skills: BTreeMap<String, u8>,
    settings: AgentSettings,
) -> (Cmd, AgentChange) {
    let cmd = Cmd::Agent {
        user_id: user_id.to_owned(),
        skills: skills.clone(),
        settings,
    };
    let change = AgentChange {
        user_id: user_id.to_owned(),
        skills,
        settings,
    };
    (cmd, change)
}

/// Skills checked by the people's rules (`clean_skills`: names trimmed and unique, levels
/// 1–5), as the engine takes them.
fn skill_map(skills: &[(String, i32)]) -> Result<BTreeMap<String, u8>, ApiError> {
    Ok(kefu_store::tickets::views::clean_skills(skills)?
        .into_iter()
        .map(|(s, l)| (s, l as u8))
        .collect())
}

/// Sets agent `user_id`'s skills and settings; a change of capacity or skills applies to the
/// next offer (contacts the agent holds stay with them).
pub async fn set_agent(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
    skills: BTreeMap<String, u8>,
    settings: AgentSettings,
) -> Result<LiveAgent, ApiError> {
    let p = auth.require(Action::ManageLive)?;
    let user_id = path_id(user_id)?;
    let pairs: Vec<(String, i32)> = skills.into_iter().map(|(k, v)| (k, v as i32)).collect();
    let skills = skill_map(&pairs)?;
    settings.validate()?;
    state.store.get_user(&p.scope, &user_id).await?;
    let mut g = engine(state, &p.scope).await?;
    let (cmd, agent) = agent_step(&user_id, skills.clone(), settings);
    let change = LiveChange {
        agent: Some(agent),
        ..LiveChange::default()
    };
    g.run(&p.actor(), vec![cmd], change)
        .await
        .map_err(refused)?;
    Ok(LiveAgent {
        user_id,
        skills,
        settings,
    })
}

/// New skills of user `user_id` (already checked) from another page, e.g. the tickets'
/// skills page: when the user is a live agent they are written with the engine's change in
/// one step and `true` is answered; `false` when they are not an agent (the caller writes
/// the skills alone).
pub async fn set_agent_skills(
    state: &AppState,
    scope: &WorkspaceScope,
    actor: &Actor,
    user_id: &str,
    skills: &[(String, i32)],
) -> Result<bool, ApiError> {
    let Some(settings) = state.store.live_agent_settings(scope, user_id).await? else {
        return Ok(false);
    };
    let mut g = engine(state, scope).await?;
    let (cmd, agent) = agent_step(user_id, skill_map(skills)?, settings);
    let change = LiveChange {
        agent: Some(agent),
        ..LiveChange::default()
    };
    g.run(actor, vec![cmd], change).await.map_err(refused)?;
    Ok(true)
}

/// The workspace's agents with their skills and settings.
pub async fn agents(state: &AppState, auth: &Auth) -> Result<Vec<LiveAgent>, ApiError> {
    let p = auth.require(Action::ReadUsers)?;
    Ok(state.store.live_agents(&p.scope).await?)
}

/// A state an agent asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Ready,
    Aux(AuxReason),
    LoggedOut,
}

/// The commands that enrol `user_id` as an agent with their skills and default settings.
async fn enrolment(
    state: &AppState,
    scope: &WorkspaceScope,
    user_id: &str,
) -> Result<(Cmd, AgentChange), ApiError> {
    let skills = skill_map(&state.store.user_skills(scope, user_id).await?)?;
    Ok(agent_step(user_id, skills, AgentSettings::default()))
}

/// Puts agent `user_id` in state `wanted` (a user who is not yet an agent is enrolled with
/// their skills and the default capacity).
async fn put_state(
    state: &AppState,
    scope: &WorkspaceScope,
    actor: &Actor,
    user_id: &str,
    wanted: Wanted,
) -> Result<Desk, ApiError> {
    let mut g = engine(state, scope).await?;
    let mut cmds = vec![];
    let mut change = LiveChange::default();
    let presence = match g.live().agent_id(user_id) {
        Some(a) => g.live().engine.agent(a).map(|v| v.presence),
        None => {
            if wanted == Wanted::LoggedOut {
                return Ok(g.desk(user_id));
            }
            let (cmd, agent) = enrolment(state, scope, user_id).await?;
            cmds.push(cmd);
            change.agent = Some(agent);
            Some(Presence::LoggedOut)
        }
    };
    let user = user_id;
    let user_id = user.to_owned();
    let logged_out = presence == Some(Presence::LoggedOut);
    match wanted {
        Wanted::Ready if logged_out => cmds.push(Cmd::Login { user_id }),
        Wanted::Ready => cmds.push(Cmd::Ready { user_id }),
        Wanted::Aux(reason) => {
            if logged_out {
                cmds.push(Cmd::Login {
                    user_id: user_id.clone(),
                });
            }
            cmds.push(Cmd::Aux { user_id, reason });
        }
        Wanted::LoggedOut if logged_out => return Ok(g.desk(user)),
        Wanted::LoggedOut => cmds.push(Cmd::Logout { user_id }),
    }
    g.run(actor, cmds, change).await.map_err(refused)?;
    Ok(g.desk(user))
}

/// The caller goes `wanted` (the desktop's state buttons).
pub async fn set_my_state(state: &AppState, auth: &Auth, wanted: Wanted) -> Result<Desk, ApiError> {
    let p = auth.require(Action::TakeContacts)?;
    put_state(state, &p.scope, &p.actor(), &p.user_id, wanted).await
}

/// A supervisor puts agent `user_id` in aux or logs them out (audited as the supervisor).
pub async fn force_state(
    state: &AppState,
    auth: &Auth,
    user_id: &str,
    wanted: Wanted,
) -> Result<Desk, ApiError> {
    let p = auth.require(Action::SuperviseLive)?;
    let user_id = path_id(user_id)?;
    state.store.get_user(&p.scope, &user_id).await?;
    if wanted == Wanted::Ready {
        return Err(conflict(
            "agent_goes_ready_themselves",
            "only agents make themselves ready",
        ));
    }
    put_state(state, &p.scope, &p.actor(), &user_id, wanted).await
}

/// The caller's desktop.
pub async fn my_desk(state: &AppState, auth: &Auth) -> Result<Desk, ApiError> {
    let p = auth.require(Action::TakeContacts)?;
    Ok(engine(state, &p.scope).await?.desk(&p.user_id))
}

/// The caller accepts (`true`) or rejects the offer of interaction `id`.
pub async fn answer_offer(
    state: &AppState,
    auth: &Auth,
    id: &str,
    accept: bool,
) -> Result<Desk, ApiError> {
    let p = auth.require(Action::TakeContacts)?;
    let contact = path_id(id)?;
    let mut g = engine(state, &p.scope).await?;
    let user_id = p.user_id.clone();
    let cmd = if accept {
        Cmd::Accept { contact, user_id }
    } else {
        Cmd::Reject { contact, user_id }
    };
    g.run(&p.actor(), vec![cmd], LiveChange::default())
        .await
        .map_err(refused)?;
    Ok(g.desk(&p.user_id))
}

/// The agent holding interaction `id` (or a supervisor) ends it; the agent goes to wrap-up.
pub async fn end(state: &AppState, auth: &Auth, id: &str) -> Result<Desk, ApiError> {
    let p = auth.require(Action::TakeContacts)?;
    let contact = path_id(id)?;
    let mut g = engine(state, &p.scope).await?;
    let holder = holder(g.live(), &contact)?;
    if holder.as_deref() != Some(p.user_id.as_str()) && !p.role.allows(Action::SuperviseLive) {
        return Err(conflict(
            "not_your_contact",
            "this contact is held by someone else",
        ));
    }
    g.run(
        &p.actor(),
        vec![Cmd::End { contact }],
        LiveChange::default(),
    )
    .await
    .map_err(refused)?;
    Ok(g.desk(&p.user_id))
}

/// The agent who holds (or wraps up) contact `id`; not found when the engine no longer
/// holds it.
fn holder(live: &Live, id: &str) -> Result<Option<String>, ApiError> {
    let c = live.contact_id(id).ok_or(ApiError::NotFound)?;
    let v = live.engine.contact(c).ok_or(ApiError::NotFound)?;
    Ok(match v.state {
        ContactState::Busy { agent } | ContactState::WrapUp { agent } => {
            Some(live.user_of(agent).to_owned())
        }
        _ => None,
    })
}

/// The caller wraps up interaction `id` with `disposition` (one of its queue's codes when
/// the queue has them) and a note; their wrap-up ends. Also after an automatic end of
/// wrap-up, as long as the interaction is theirs and has no disposition yet.
pub async fn wrap_up(
    state: &AppState,
    auth: &Auth,
    id: &str,
    disposition: &str,
    note: Option<String>,
) -> Result<Desk, ApiError> {
    let p = auth.require(Action::TakeContacts)?;
    let id = path_id(id)?;
    let disposition = kefu_model::validate::required("disposition", disposition, 100)?;
    let note = match note {
        Some(n) => Some(kefu_model::validate::optional("note", &n, 10_000)?.to_owned()),
        None => None,
    };
    let row = state.store.get_interaction(&p.scope, &id).await?;
    if row.agent_id.as_deref() != Some(p.user_id.as_str()) {
        return Err(conflict(
            "not_your_contact",
            "this contact is held by someone else",
        ));
    }
    if row.ended_at.is_none() {
        return Err(conflict(
            "contact_not_ended",
            "end the contact before wrapping it up",
        ));
    }
    if row.disposition.is_some() {
        return Err(conflict(
            "already_wrapped_up",
            "this contact is already wrapped up",
        ));
    }
    if let Some(q) = &row.queue
        && let Ok(queue) = state.store.live_queue(&p.scope, q).await
    {
        let s: QueueSettings = serde_json::from_value(queue.settings).unwrap_or_default();
        if !s.dispositions.is_empty() && !s.dispositions.contains(&disposition) {
            return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
                field: "disposition".into(),
                reason: kefu_model::error::FieldProblem::Format,
            }));
        }
    }
    let mut g = engine(state, &p.scope).await?;
    let mut change = LiveChange::default();
    change.effects.push(Effect::Contact {
        id: id.clone(),
        action: "dispositioned",
        patch: ContactPatch {
            disposition: Some(disposition.clone()),
            note,
            ..Default::default()
        },
        detail: json!({"disposition": disposition}),
    });
    let wrapping = g
        .live()
        .contact_id(&id)
        .and_then(|c| g.live().engine.contact(c))
        .is_some_and(|v| matches!(v.state, ContactState::WrapUp { .. }));
    // Wrap-up already over (none configured, or timed out): the disposition alone.
    let cmds = match wrapping {
        true => vec![Cmd::WrapUpDone { contact: id }],
        false => vec![],
    };
    g.run(&p.actor(), cmds, change).await.map_err(refused)?;
    Ok(g.desk(&p.user_id))
}

/// The caller links live contact `id` to customer `customer_id` (an unknown caller found or
/// created from the screen pop); their desk shows the customer from then on.
pub async fn identify(
    state: &AppState,
    auth: &Auth,
    id: &str,
    customer_id: &str,
) -> Result<Desk, ApiError> {
    let p = auth.require(Action::TakeContacts)?;
    let contact = path_id(id)?;
    let customer_id = path_id(customer_id)?;
    state
        .store
        .get_customer(&p.scope, &customer_id)
        .await
        .map_err(|_| {
            ApiError::Store(StoreError::UnknownReference {
                field: "customer_id",
            })
        })?;
    let mut g = engine(state, &p.scope).await?;
    let mut change = LiveChange::default();
    change.effects.push(Effect::Contact {
        id: contact.clone(),
        action: "identified",
        patch: ContactPatch {
            customer_id: Some(customer_id.clone()),
            ..Default::default()
        },
        detail: json!({"agent_id": p.user_id, "customer_id": customer_id}),
    });
    g.run(
        &p.actor(),
        vec![Cmd::Identify {
            contact,
            customer_id,
        }],
        change,
    )
    .await
    .map_err(refused)?;
    Ok(g.desk(&p.user_id))
}

/// A new contact for a queue, as given.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub queue: String,
    pub channel: Option<Channel>,
    pub customer_id: Option<String>,
    pub from: Option<String>,
    pub priority: i32,
}

fn engine_channel(c: Channel) -> kefu_acd::Channel {
    match c {
        Channel::Voice | Channel::Video => kefu_acd::Channel::Voice,
        Channel::Chat | Channel::Messaging | Channel::Sms => kefu_acd::Channel::Chat,
        Channel::Email | Channel::WebForm => kefu_acd::Channel::Email,
        Channel::WalkIn => kefu_acd::Channel::Task,
    }
}

fn model_channel(c: kefu_acd::Channel) -> Channel {
    match c {
        kefu_acd::Channel::Voice => Channel::Voice,
        kefu_acd::Channel::Chat => Channel::Chat,
        kefu_acd::Channel::Email => Channel::Email,
        kefu_acd::Channel::Task => Channel::WebForm,
    }
}

/// Puts a contact in a queue (a PBX, a CTI connector, a channel): records the interaction and
/// routes it. The caller `from` (a phone number) finds the customer when `customer_id` is
/// not given; the customer's top value tier makes the contact VIP; their owner (认养) is
/// preferred for the queue's `prefer_owner_s`.
pub async fn arrive(
    state: &AppState,
    auth: &Auth,
    n: NewContact,
) -> Result<interaction::Model, ApiError> {
    let p = auth.require(Action::WriteInteractions)?;
    let queue_id = path_id(&n.queue)?;
    let queue = state.store.live_queue(&p.scope, &queue_id).await?;
    let settings: QueueSettings = serde_json::from_value(queue.settings).unwrap_or_default();
    let channel = n.channel.unwrap_or(model_channel(settings.channel));
    if engine_channel(channel) != settings.channel {
        return Err(conflict(
            "wrong_channel",
            "the queue takes contacts of another channel",
        ));
    }
    if n.priority.unsigned_abs() > 1_000_000 {
        return Err(ApiError::Model(kefu_model::ModelError::InvalidField {
            field: "priority".into(),
            reason: kefu_model::error::FieldProblem::Format,
        }));
    }
    let mut customer_id = opt_id("customer_id", n.customer_id)?;
    if customer_id.is_none()
        && let Some(from) = n.from.as_deref()
    {
        let ctx = state.store.crm_context(&p.scope).await?;
        if let Some(phone) = kefu_store::crm::phone::normalize(from, &ctx.default_region) {
            let found = state
                .store
                .find_by_identity(&p.scope, "phone", &phone)
                .await?;
            if let [one] = found.as_slice() {
                customer_id = Some(one.clone());
            }
        }
    }
    let (mut vip, mut owner) = (false, None);
    if let Some(c) = &customer_id {
        let customer = state
            .store
            .get_customer(&p.scope, c)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ApiError::Store(StoreError::UnknownReference {
                    field: "customer_id",
                }),
                e => e.into(),
            })?;
        let ctx = state.store.crm_context(&p.scope).await?;
        vip = customer.value_tier.is_some()
            && customer.value_tier == ctx.value_tiers.first().cloned();
        owner = customer.owner_id;
    }
    let id = kefu_model::new_id().to_string();
    let now = state.store.now();
    let mut fields = InteractionFields::new(channel, Direction::Inbound);
    fields.customer_id = customer_id.clone();
    fields.queue = Some(queue_id.clone());
    fields.offered_at = Some(now);
    fields.queued_at = Some(now);
    let mut g = engine(state, &p.scope).await?;
    let change = LiveChange {
        contact: Some((id.clone(), fields)),
        ..LiveChange::default()
    };
    g.run(
        &p.actor(),
        vec![Cmd::Arrive {
            contact: id.clone(),
            queue: queue_id,
            channel: settings.channel,
            customer_id,
            priority: n.priority,
            vip,
            preferred: owner,
        }],
        change,
    )
    .await
    .map_err(refused)?;
    drop(g);
    Ok(state.store.get_interaction(&p.scope, &id).await?)
}

/// Where a live contact stands, as the customer may be told.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactStatus {
    pub interaction_id: String,
    pub queue: String,
    /// `waiting`, `offered`, `busy`, `wrap_up`; `done` once the center let go of it.
    pub state: &'static str,
    /// 1 = next in line (waiting contacts only).
    pub position: Option<usize>,
    /// Estimated wait in seconds (waiting contacts; none while nobody staffs the queue).
    pub ewt_s: Option<u64>,
    pub waited_s: Option<u64>,
}

/// The status of live contact `id`.
pub async fn contact_status(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<ContactStatus, ApiError> {
    let p = auth.require(Action::ReadInteractions)?;
    let id = path_id(id)?;
    let row = state.store.get_interaction(&p.scope, &id).await?;
    let mut g = engine(state, &p.scope).await?;
    let now = ms(state.store.now());
    let live = g.live_mut();
    let Some(c) = live.contact_id(&id) else {
        return Ok(ContactStatus {
            interaction_id: id,
            queue: row.queue.unwrap_or_default(),
            state: "done",
            position: None,
            ewt_s: None,
            waited_s: None,
        });
    };
    let view = live.engine.contact(c).ok_or(ApiError::NotFound)?;
    let queue = live.queue_name(view.queue).to_owned();
    let position = live
        .engine
        .waiting(view.queue)
        .iter()
        .position(|x| *x == c)
        .map(|i| i + 1);
    let ewt = live.engine.ewt(c);
    Ok(ContactStatus {
        interaction_id: id,
        queue,
        state: match view.state {
            ContactState::Waiting => "waiting",
            ContactState::Offered { .. } => "offered",
            ContactState::Busy { .. } => "busy",
            ContactState::WrapUp { .. } => "wrap_up",
        },
        position,
        ewt_s: if matches!(view.state, ContactState::Waiting) {
            ewt.map(|e| e.div_ceil(1000))
        } else {
            None
        },
        waited_s: Some(now.saturating_sub(view.arrived) / 1000),
    })
}

/// A queue's live figures (the wallboard's row).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueFigures {
    pub id: String,
    pub name: String,
    pub waiting: usize,
    pub longest_wait_s: u64,
    pub ewt_s: Option<u64>,
    #[schema(value_type = Object)]
    pub agents: kefu_acd::AgentsByState,
    /// Since the start of today in the workspace's time zone.
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub answered_within_threshold: u64,
    /// Answered within the queue's threshold / contacts whose outcome is known (answered,
    /// abandoned, left by max wait, a full queue or overflow), today.
    pub service_level: Option<f64>,
    /// The same over the last 30 minutes.
    pub service_level_30_min: Option<f64>,
    pub service_level_target: f64,
    pub service_level_threshold_s: u32,
    pub asa_s: Option<f64>,
}

/// Every queue's live figures.
pub async fn queue_figures(state: &AppState, auth: &Auth) -> Result<Vec<QueueFigures>, ApiError> {
    let p = auth.require(Action::ReadInteractions)?;
    let queues = state.store.live_queues(&p.scope, false).await?;
    let now = state.store.now();
    let cal = crate::reports::calendar(&state.store, &p.scope, None, None).await?;
    let today = ms(cal.start_of(kefu_kpi::Interval::Day, now));
    let half_hour = ms(now).saturating_sub(30 * 60_000);
    let g = engine(state, &p.scope).await?;
    let live = g.live();
    Ok(queues
        .into_iter()
        .filter_map(|q| {
            let qid = live.queue_id(&q.id)?;
            let s = live.engine.snapshot(qid)?;
            let sl = live.settings(qid).map(|s| s.service_level);
            let day = live.tally(qid, today);
            Some(QueueFigures {
                id: q.id,
                name: q.name,
                waiting: s.waiting,
                longest_wait_s: s.longest_wait_ms / 1000,
                ewt_s: s.ewt_ms.map(|e| e.div_ceil(1000)),
                agents: s.agents,
                offered: day.offered,
                answered: day.answered,
                abandoned: day.abandoned,
                answered_within_threshold: day.answered_within,
                service_level: day.service_level(),
                service_level_30_min: live.tally(qid, half_hour).service_level(),
                service_level_target: sl.map_or(0.8, |s| s.target),
                service_level_threshold_s: sl.map_or(20, |s| s.threshold_s),
                asa_s: day.asa_s(),
            })
        })
        .collect())
}

/// An agent on the wallboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentRow {
    pub user_id: String,
    pub name: String,
    pub state: &'static str,
    pub reason: Option<&'static str>,
    /// Seconds in the state.
    pub in_state_s: u64,
    /// Contacts held (in conversation or wrap-up).
    pub contacts: usize,
}

/// Every agent's live state (the wallboard's agent list), logged-out agents last.
pub async fn agent_board(state: &AppState, auth: &Auth) -> Result<Vec<AgentRow>, ApiError> {
    let p = auth.require(Action::SuperviseLive)?;
    let users = state
        .store
        .list_users(
            &p.scope,
            &kefu_store::identity::workspaces::UserFilter::default(),
            &kefu_store::PageRequest {
                limit: Some(1000),
                cursor: None,
            },
        )
        .await?;
    let names: std::collections::HashMap<String, String> =
        users.items.into_iter().map(|u| (u.id, u.name)).collect();
    let g = engine(state, &p.scope).await?;
    let live = g.live();
    let now = ms(state.store.now());
    let mut rows: Vec<AgentRow> = live
        .agents()
        .filter_map(|(a, user)| {
            let v = live.engine.agent(a)?;
            let (st, reason) = state_str(v.state);
            Some(AgentRow {
                user_id: user.to_owned(),
                name: names.get(user).cloned().unwrap_or_default(),
                state: st,
                reason,
                in_state_s: live.since(a).map_or(0, |t| now.saturating_sub(t) / 1000),
                contacts: v.contacts.len(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.state == "logged_out", &a.name, &a.user_id).cmp(&(
            b.state == "logged_out",
            &b.name,
            &b.user_id,
        ))
    });
    Ok(rows)
}
