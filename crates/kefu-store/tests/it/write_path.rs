//! The write path: a change commits its rows, one audit row and one outbox event together;
//! a change that fails at any step leaves the database exactly as it was.

use crate::both;
use crate::common::{
    Backend, Db, Ws, actions, added, audit_log, inquiry, outbox, t0, topics, trigger, workspace,
};
use kefu_model::{Channel, ModelError, Priority, TicketState};
use kefu_store::crm::customers::CustomerFields;
use kefu_store::entity::{audit, ticket, ticket_message, ticket_sla_event, ticket_transition};
use kefu_store::identity::teams::TeamFields;
use kefu_store::outbox::OutboxEvent;
use kefu_store::tickets::actions::TicketAction;
use kefu_store::tickets::automations::AutomationFields;
use kefu_store::tickets::messages::{AuthorKind, NewMessage};
use kefu_store::{Store, StoreError};
use serde_json::{Value, json};
use std::collections::BTreeMap;

both!(
    a_change_commits_row_audit_and_event_together,
    a_failing_change_leaves_nothing
);

/// Checks that exactly one change was recorded since `(a0, o0)`: one audit row and one outbox
/// event of `ws`'s admin, `entity_type.action` on `entity_id`, with `before` and `after`.
async fn assert_one_change(
    store: &Store,
    ws: &Ws,
    (a0, o0): &(Vec<audit::Model>, Vec<OutboxEvent>),
    (entity_type, entity_id, action): (&str, &str, &str),
    before: Option<Value>,
    after: Option<Value>,
) -> (Vec<audit::Model>, Vec<OutboxEvent>) {
    let a1 = audit_log(store, &ws.scope).await;
    let o1 = outbox(store).await;
    let (new_a, new_o) = (added(a0, &a1), added(o0, &o1));
    assert_eq!(actions(new_a), [(entity_type, entity_id, action)]);
    let row = &new_a[0];
    assert_eq!(row.workspace_id, ws.scope.id());
    assert_eq!(row.actor_id.as_deref(), Some(ws.admin_id.as_str()));
    assert_eq!(row.at, t0());
    assert_eq!(row.before, before);
    assert_eq!(row.after, after);
    assert_eq!(new_o.len(), 1);
    let e = &new_o[0];
    assert!(o0.iter().all(|o| o.seq < e.seq));
    assert_eq!(e.topic, format!("{entity_type}.{action}"));
    assert_eq!(e.workspace_id, ws.scope.id());
    assert_eq!(e.entity_type, entity_type);
    assert_eq!(e.entity_id, entity_id);
    assert_eq!(e.created_at, t0());
    assert_eq!(
        e.payload,
        json!({
            "action": action, "entity_type": entity_type, "entity_id": entity_id,
            "actor_id": ws.admin_id, "after": after,
        })
    );
    (a1, o1)
}

async fn a_change_commits_row_audit_and_event_together(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let ws = workspace(s, "alpha").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    let mut seen = (audit_log(s, sc).await, outbox(s).await);

    let c = s
        .create_customer(
            sc,
            me,
            CustomerFields {
                name: "Wang Fang".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(s.get_customer(sc, &c.id).await.unwrap(), c);
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("customer", &c.id, "created"),
        None,
        Some(json!(c)),
    )
    .await;

    let mut fields = inquiry("Printer jams");
    fields.customer_id = Some(c.id.clone());
    let t = s.create_ticket(sc, me, fields).await.unwrap();
    assert_eq!(s.get_ticket(sc, &t.id).await.unwrap(), t);
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("ticket", &t.id, "created"),
        None,
        Some(json!(t)),
    )
    .await;

    let u = s
        .update_ticket(sc, me, &t.id, |f| f.priority = Priority::High)
        .await
        .unwrap();
    assert_eq!(u.priority.as_str(), "high");
    assert_eq!(s.get_ticket(sc, &t.id).await.unwrap(), u);
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("ticket", &t.id, "updated"),
        Some(json!(t)),
        Some(json!(u)),
    )
    .await;

    let tags = s
        .set_ticket_tags(sc, me, &t.id, &["paper".into(), "b2b".into()])
        .await
        .unwrap();
    assert_eq!(tags, ["b2b", "paper"]);
    assert_eq!(s.ticket_tags(sc, &t.id).await.unwrap(), tags);
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("ticket", &t.id, "tagged"),
        Some(json!({"tags": []})),
        Some(json!({"tags": ["b2b", "paper"]})),
    )
    .await;

    let o = s
        .transition_ticket(sc, me, &t.id, TicketState::Open, "on it")
        .await
        .unwrap();
    assert_eq!(o.state.as_str(), "open");
    let mut after = json!(o);
    after["transition"] = json!({"from": "new", "to": "open", "reason": "on it"});
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("ticket", &t.id, "transitioned"),
        Some(json!(u)),
        Some(after),
    )
    .await;

    let m = s
        .add_ticket_message(
            sc,
            me,
            &t.id,
            NewMessage {
                author: AuthorKind::Agent,
                public: true,
                channel: Channel::Email,
                body: "We are on it.".into(),
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        s.ticket_messages(sc, &t.id).await.unwrap(),
        std::slice::from_ref(&m)
    );
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("ticket", &t.id, "replied"),
        None,
        Some(json!({"message": m})),
    )
    .await;

    let team = s
        .create_team(
            sc,
            me,
            TeamFields {
                name: "Tier 1".into(),
                description: None,
            },
        )
        .await
        .unwrap();
    seen = assert_one_change(
        s,
        &ws,
        &seen,
        ("team", &team.id, "created"),
        None,
        Some(json!(team)),
    )
    .await;
    s.delete_team(sc, me, &team.id).await.unwrap();
    assert!(matches!(
        s.get_team(sc, &team.id).await,
        Err(StoreError::NotFound)
    ));
    assert_one_change(
        s,
        &ws,
        &seen,
        ("team", &team.id, "deleted"),
        Some(json!(team)),
        None,
    )
    .await;
}

/// Everything a ticket is: the row, tags, transitions, messages and SLA history.
type TicketView = (
    ticket::Model,
    Vec<String>,
    Vec<ticket_transition::Model>,
    Vec<ticket_message::Model>,
    Vec<ticket_sla_event::Model>,
);

async fn ticket_view(s: &Store, ws: &Ws, id: &str) -> TicketView {
    let sc = &ws.scope;
    (
        s.get_ticket(sc, id).await.unwrap(),
        s.ticket_tags(sc, id).await.unwrap(),
        s.ticket_transitions(sc, id).await.unwrap(),
        s.ticket_messages(sc, id).await.unwrap(),
        s.ticket_sla_events(sc, id).await.unwrap(),
    )
}

/// What a failing change must leave as it was.
struct Before {
    view: TicketView,
    audit_a: Vec<audit::Model>,
    audit_b: Vec<audit::Model>,
    events: Vec<OutboxEvent>,
    dump: BTreeMap<String, Vec<String>>,
}

impl Before {
    async fn take(db: &Db, a: &Ws, b: &Ws, id: &str) -> Before {
        let s = &db.store;
        Before {
            view: ticket_view(s, a, id).await,
            audit_a: audit_log(s, &a.scope).await,
            audit_b: audit_log(s, &b.scope).await,
            events: outbox(s).await,
            dump: db.dump().await,
        }
    }

    async fn check(&self, db: &Db, a: &Ws, b: &Ws, id: &str, step: &str) {
        let now = Before::take(db, a, b, id).await;
        assert_eq!(now.view, self.view, "{step}: the ticket");
        assert_eq!(now.audit_a, self.audit_a, "{step}: the audit log of A");
        assert_eq!(now.audit_b, self.audit_b, "{step}: the audit log of B");
        assert_eq!(now.events, self.events, "{step}: the outbox");
        assert_eq!(now.dump, self.dump, "{step}: the database");
    }
}

async fn a_failing_change_leaves_nothing(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let a = workspace(s, "alpha").await;
    let b = workspace(s, "beta").await;
    let (sc, me) = (&a.scope, &a.admin);
    let b_customer = s
        .create_customer(
            &b.scope,
            &b.admin,
            CustomerFields {
                name: "Beta customer".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut fields = inquiry("Refund");
    fields.assignee_id = Some(a.admin_id.clone());
    let t = s.create_ticket(sc, me, fields).await.unwrap();
    s.set_ticket_tags(sc, me, &t.id, &["refund".into()])
        .await
        .unwrap();
    // A trigger every successful update would fire: a failed one must not leave its effect.
    trigger(
        s,
        &a,
        "tag updates",
        1,
        json!({"on": ["update"], "actions": [{"action": "add_tags", "tags": ["touched"]}]}),
    )
    .await;
    let bad_macro = s
        .create_automation(
            sc,
            me,
            AutomationFields {
                kind: "macro",
                name: "urgent to beta's admin".into(),
                position: 0,
                active: true,
                definition: json!({"actions": [
                    {"action": "set_priority", "priority": "urgent"},
                    {"action": "assign", "assignee_id": b.admin_id},
                ]}),
            },
        )
        .await
        .unwrap();

    let before = Before::take(&db, &a, &b, &t.id).await;
    assert_eq!(before.dump["tickets"].len(), 1, "the dump reads the data");
    let unchanged = |step: &'static str| before.check(&db, &a, &b, &t.id, step);

    // A reference to another workspace's customer, after a valid field change.
    let r = s
        .update_ticket(sc, me, &t.id, |f| {
            f.subject = "Refund, please".into();
            f.customer_id = Some(b_customer.id.clone());
        })
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::UnknownReference {
                field: "customer_id"
            })
        ),
        "{r:?}"
    );
    unchanged("unknown customer").await;

    // A transition the state machine refuses.
    let r = s
        .transition_ticket(sc, me, &t.id, TicketState::Closed, "done")
        .await;
    let refused = ModelError::InvalidTransition {
        from: "new".into(),
        to: "closed".into(),
    };
    assert!(
        matches!(&r, Err(StoreError::Model(e)) if *e == refused),
        "{r:?}"
    );
    unchanged("refused transition").await;

    // Actions whose second fails: the first (a valid priority change) is undone with it.
    let r = s
        .apply_ticket_actions(
            sc,
            me,
            &t.id,
            &[
                TicketAction::SetPriority {
                    priority: Priority::Urgent,
                },
                TicketAction::Assign {
                    assignee_id: Some(b.admin_id.clone()),
                },
            ],
            None,
        )
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::UnknownReference {
                field: "assignee_id"
            })
        ),
        "{r:?}"
    );
    unchanged("actions with a bad assignee").await;

    // The same as a stored macro.
    let r = s.apply_macro(sc, me, &t.id, &bad_macro.id).await;
    assert!(
        matches!(
            r,
            Err(StoreError::UnknownReference {
                field: "assignee_id"
            })
        ),
        "{r:?}"
    );
    unchanged("macro with a bad assignee").await;

    // Tags, then a refused transition.
    let r = s
        .apply_ticket_actions(
            sc,
            me,
            &t.id,
            &[
                TicketAction::AddTags {
                    tags: vec!["vip".into()],
                },
                TicketAction::Transition {
                    to: TicketState::Closed,
                    reason: String::new(),
                },
            ],
            None,
        )
        .await;
    assert!(
        matches!(&r, Err(StoreError::Model(e)) if *e == refused),
        "{r:?}"
    );
    unchanged("tags, then a refused transition").await;

    // The control: the same ticket still takes a valid change, and the trigger fires on it.
    s.update_ticket(sc, me, &t.id, |f| f.priority = Priority::High)
        .await
        .unwrap();
    assert_eq!(
        s.ticket_tags(sc, &t.id).await.unwrap(),
        ["refund", "touched"]
    );
    assert_eq!(
        topics(added(&before.events, &outbox(s).await)),
        ["ticket.updated", "ticket.tagged"]
    );
}
