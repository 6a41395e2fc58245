//! The injected clock: with a manual clock, records, audit rows, outbox events, SLA history,
//! SLA notices and notifications carry the clock's time, and move only when it moves.

use crate::both;
use crate::common::{Backend, Db, audit_of_entity, inquiry, outbox, t0, workspace};
use chrono::Duration;
use kefu_model::{Priority, Role, TicketState};
use kefu_store::PageRequest;
use kefu_store::entity::ticket_sla_notice;
use kefu_store::identity::workspaces::NewUser;
use kefu_store::tickets::notices::SlaNotice;
use sea_orm::EntityTrait;

both!(the_store_s_clock_stamps_every_change);

async fn the_store_s_clock_stamps_every_change(backend: Backend) {
    let (db, clock) = Db::manual(backend).await;
    let s = &db.store;
    let ws = workspace(s, "alpha").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    let agent = s
        .create_user(
            sc,
            me,
            NewUser {
                email: "agent@alpha.test".into(),
                name: "Agent".into(),
                role: Role::Agent,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((agent.created_at, agent.updated_at), (t0(), t0()));

    // Created at t0.
    let mut f = inquiry("No dial tone");
    f.assignee_id = Some(agent.id.clone());
    let t = s.create_ticket(sc, me, f).await.unwrap();
    let id = t.id.as_str();
    assert_eq!((t.created_at, t.updated_at), (t0(), t0()));
    assert_eq!(s.get_ticket(sc, id).await.unwrap(), t);
    let stamps = || async {
        let audit: Vec<_> = audit_of_entity(s, sc, id)
            .await
            .into_iter()
            .map(|r| (r.action, r.at))
            .collect();
        let events: Vec<_> = outbox(s)
            .await
            .into_iter()
            .filter(|e| e.entity_id == id)
            .map(|e| (e.topic, e.created_at))
            .collect();
        let sla: Vec<_> = s
            .ticket_sla_events(sc, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.priority.as_str().to_owned(), e.at))
            .collect();
        (audit, events, sla)
    };
    let s0 = stamps().await;
    assert_eq!(s0.0, [("created".to_owned(), t0())]);
    assert_eq!(s0.1, [("ticket.created".to_owned(), t0())]);
    assert_eq!(s0.2, [("normal".to_owned(), t0())]);

    // Changed 90 minutes later.
    let t1 = t0() + Duration::minutes(90);
    clock.set(t1);
    let u = s
        .update_ticket(sc, me, id, |f| f.priority = Priority::High)
        .await
        .unwrap();
    assert_eq!((u.created_at, u.updated_at), (t0(), t1));
    let o = s
        .transition_ticket(sc, me, id, TicketState::Open, "")
        .await
        .unwrap();
    assert_eq!(o.updated_at, t1);
    let tr = s.ticket_transitions(sc, id).await.unwrap();
    assert_eq!(tr.iter().map(|t| t.at).collect::<Vec<_>>(), [t1]);
    let s1 = stamps().await;
    assert_eq!(
        s1.0,
        [
            ("created".to_owned(), t0()),
            ("updated".to_owned(), t1),
            ("transitioned".to_owned(), t1)
        ]
    );
    assert_eq!(
        s1.1,
        [
            ("ticket.created".to_owned(), t0()),
            ("ticket.updated".to_owned(), t1),
            ("ticket.transitioned".to_owned(), t1)
        ]
    );
    assert_eq!(s1.2, [("normal".to_owned(), t0()), ("high".to_owned(), t1)]);

    // An SLA breach noticed at t2: the notice, its audit row, its event and the assignee's
    // notification all carry t2 (the cycle's start stays t0).
    let t2 = t1 + Duration::minutes(30);
    clock.set(t2);
    let breach = SlaNotice {
        kind: "breach",
        metric: "first_response".into(),
        started_at: t0(),
        due: t0() + Duration::hours(1),
        escalate_to: None,
    };
    assert!(s.record_sla_notice(sc, id, &breach).await.unwrap());
    let s2 = stamps().await;
    assert_eq!(s2.0.last().unwrap(), &("sla_breached".to_owned(), t2));
    assert_eq!(
        s2.1.last().unwrap(),
        &("ticket.sla_breached".to_owned(), t2)
    );
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    let notices = ticket_sla_notice::Entity::find().all(&conn).await.unwrap();
    conn.close().await.unwrap();
    assert_eq!(
        notices
            .iter()
            .map(|n| (n.ticket_id.as_str(), n.kind.as_str(), n.started_at, n.at))
            .collect::<Vec<_>>(),
        [(id, "breach", t0(), t2)]
    );
    let inbox = s
        .notifications(sc, &agent.id, false, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        inbox
            .iter()
            .map(|n| (n.kind.as_str(), n.created_at))
            .collect::<Vec<_>>(),
        [("sla_breached", t2)]
    );
    // The same notice again is not acted on twice, whatever the time.
    clock.advance(Duration::minutes(5));
    assert!(!s.record_sla_notice(sc, id, &breach).await.unwrap());
    assert_eq!(stamps().await, s2);
}
