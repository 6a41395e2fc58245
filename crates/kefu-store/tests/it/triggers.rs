//! Ticket triggers run in the transaction of the change that calls for them: their rows are
//! there when the change returns, stamped with the change's time; a failing trigger is undone
//! alone; triggers' own changes and the system's changes fire none.

use crate::both;
use crate::common::{
    Backend, Db, Ticking, actions, added, audit_of_entity, inquiry, outbox, t0, topics, trigger,
    workspace,
};
use kefu_model::{Channel, Priority, TicketState};
use kefu_store::tickets::actions::TicketAction;
use kefu_store::tickets::messages::{AuthorKind, NewMessage};
use kefu_store::tickets::notices::SlaNotice;
use kefu_store::{Actor, Store, WorkspaceScope};
use serde_json::json;

both!(
    a_trigger_commits_with_the_change,
    a_failing_trigger_is_undone_alone,
    changes_by_triggers_fire_no_triggers,
    changes_by_the_system_fire_no_triggers
);

async fn tags(s: &Store, sc: &WorkspaceScope, id: &str) -> Vec<String> {
    s.ticket_tags(sc, id).await.unwrap()
}

async fn a_trigger_commits_with_the_change(backend: Backend) {
    // Every reading of this clock is a second later than the last, so rows with the same
    // time were stamped by one `Write`.
    let db = Db::open(backend, Ticking::shared()).await;
    let s = &db.store;
    let ws = workspace(s, "alpha").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    trigger(
        s,
        &ws,
        "new tickets are vip",
        1,
        json!({"on": ["create"], "actions": [
            {"action": "add_tags", "tags": ["vip"]},
            {"action": "set_priority", "priority": "high"},
        ]}),
    )
    .await;
    let o0 = outbox(s).await;

    let t = s
        .create_ticket(sc, me, inquiry("Broken screen"))
        .await
        .unwrap();

    // Nothing ran after `create_ticket` returned, yet the trigger's changes are there.
    assert_eq!(t.priority.as_str(), "normal");
    assert_eq!(
        s.get_ticket(sc, &t.id).await.unwrap().priority.as_str(),
        "high"
    );
    assert_eq!(tags(s, sc, &t.id).await, ["vip"]);
    let id = t.id.as_str();
    let rows = audit_of_entity(s, sc, id).await;
    assert_eq!(
        actions(&rows),
        [
            ("ticket", id, "created"),
            ("ticket", id, "tagged"),
            ("ticket", id, "updated"),
        ]
    );
    let at = rows[0].at;
    for r in &rows {
        assert_eq!(r.at, at, "{r:?}");
        assert_eq!(r.actor_id.as_deref(), Some(ws.admin_id.as_str()));
    }
    let o1 = outbox(s).await;
    let events = added(&o0, &o1);
    assert_eq!(
        topics(events),
        ["ticket.created", "ticket.tagged", "ticket.updated"]
    );
    let last = o0.last().unwrap().seq;
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [last + 1, last + 2, last + 3]
    );
    assert!(
        events
            .iter()
            .all(|e| e.entity_id == id && e.created_at == at)
    );
    // Why this is the crash-safety proof: the trigger's audit rows carry the one time the
    // change's `Write` read when it began (any other transaction would have read this clock
    // again and got a later second), and its outbox events take the seqs right after the
    // change's with nothing in between. So they were written in the change's transaction,
    // before its single commit: a crash keeps the change and its triggers together or loses
    // both; there is no moment when the change is committed and its triggers still pending.
}

async fn a_failing_trigger_is_undone_alone(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let ws = workspace(s, "alpha").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    // Tags first, then a transition new → closed, which the state machine refuses.
    trigger(
        s,
        &ws,
        "tag and close",
        1,
        json!({"on": ["create"], "actions": [
            {"action": "add_tags", "tags": ["first"]},
            {"action": "transition", "to": "closed"},
        ]}),
    )
    .await;
    trigger(
        s,
        &ws,
        "tag",
        2,
        json!({"on": ["create"], "actions": [{"action": "add_tags", "tags": ["second"]}]}),
    )
    .await;
    let o0 = outbox(s).await;

    let t = s.create_ticket(sc, me, inquiry("Refund")).await.unwrap();

    let id = t.id.as_str();
    assert_eq!(s.get_ticket(sc, id).await.unwrap(), t);
    assert_eq!(t.state.as_str(), "new");
    assert_eq!(tags(s, sc, id).await, ["second"]);
    assert_eq!(s.ticket_transitions(sc, id).await.unwrap(), []);
    let rows = audit_of_entity(s, sc, id).await;
    assert_eq!(
        actions(&rows),
        [("ticket", id, "created"), ("ticket", id, "tagged")]
    );
    assert_eq!(rows[1].before, Some(json!({"tags": []})));
    assert_eq!(rows[1].after, Some(json!({"tags": ["second"]})));
    assert_eq!(
        topics(added(&o0, &outbox(s).await)),
        ["ticket.created", "ticket.tagged"]
    );
}

async fn changes_by_triggers_fire_no_triggers(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let ws = workspace(s, "alpha").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    // Each trigger's note is an update of the ticket, which would fire both again if
    // triggers' changes fired triggers.
    for (pos, body) in [(1, "ping"), (2, "pong")] {
        trigger(
            s,
            &ws,
            body,
            pos,
            json!({"on": ["update"], "actions": [
                {"action": "reply", "body": body, "public": false},
            ]}),
        )
        .await;
    }
    let t = s.create_ticket(sc, me, inquiry("Loop?")).await.unwrap();
    let id = t.id.as_str();
    let bodies = || async {
        s.ticket_messages(sc, id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.body)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        bodies().await,
        Vec::<String>::new(),
        "create fires no update"
    );

    s.update_ticket(sc, me, id, |f| f.priority = Priority::High)
        .await
        .unwrap();
    assert_eq!(bodies().await, ["ping", "pong"]);

    // Two changes in one write fire each trigger once too.
    let two = [
        TicketAction::SetPriority {
            priority: Priority::Urgent,
        },
        TicketAction::AddTags {
            tags: vec!["x".into()],
        },
    ];
    s.apply_ticket_actions(sc, me, id, &two, None)
        .await
        .unwrap();
    assert_eq!(bodies().await, ["ping", "pong", "ping", "pong"]);
    assert_eq!(
        actions(&audit_of_entity(s, sc, id).await),
        [
            ("ticket", id, "created"),
            ("ticket", id, "updated"),
            ("ticket", id, "noted"),
            ("ticket", id, "noted"),
            ("ticket", id, "updated"),
            ("ticket", id, "tagged"),
            ("ticket", id, "noted"),
            ("ticket", id, "noted"),
        ]
    );
}

async fn changes_by_the_system_fire_no_triggers(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let ws = workspace(s, "alpha").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    trigger(
        s,
        &ws,
        "tag every change",
        1,
        json!({"on": ["create", "update"], "actions": [{"action": "add_tags", "tags": ["auto"]}]}),
    )
    .await;
    let system = Actor::default();

    let t = s
        .create_ticket(sc, &system, inquiry("From the IVR"))
        .await
        .unwrap();
    let id = t.id.as_str();
    s.update_ticket(sc, &system, id, |f| f.priority = Priority::High)
        .await
        .unwrap();
    s.transition_ticket(sc, &system, id, TicketState::Open, "routed")
        .await
        .unwrap();
    s.add_ticket_message(
        sc,
        &system,
        id,
        NewMessage {
            author: AuthorKind::Agent,
            public: true,
            channel: Channel::Sms,
            body: "Received.".into(),
            attachments: vec![],
        },
    )
    .await
    .unwrap();
    let breach = SlaNotice {
        kind: "breach",
        metric: "first_response".into(),
        started_at: t0(),
        due: t0(),
        escalate_to: Some("supervisor".into()),
    };
    assert!(s.record_sla_notice(sc, id, &breach).await.unwrap());
    assert_eq!(tags(s, sc, id).await, Vec::<String>::new());
    let rows = audit_of_entity(s, sc, id).await;
    assert_eq!(
        actions(&rows),
        [
            ("ticket", id, "created"),
            ("ticket", id, "updated"),
            ("ticket", id, "transitioned"),
            ("ticket", id, "replied"),
            ("ticket", id, "sla_breached"),
            ("ticket", id, "sla_escalated"),
        ]
    );
    assert!(rows.iter().all(|r| r.actor_id.is_none()));

    // The control: the same change by a person fires the trigger.
    s.update_ticket(sc, me, id, |f| f.priority = Priority::Low)
        .await
        .unwrap();
    assert_eq!(tags(s, sc, id).await, ["auto"]);
}
