//! Stored enumerated values are read as `kefu_model`'s types: a value no version of kefu
//! wrote is an error on every read of its row, never a default and never a silently skipped
//! row, and a change to that row is refused without writing anything.

use crate::both;
use crate::common::{Backend, Db, inquiry, workspace};
use kefu_model::{Channel, Direction, TicketState};
use kefu_store::interactions::InteractionFields;
use kefu_store::tickets::ticket::TicketFilter;
use kefu_store::{PageRequest, StoreError};
use sea_orm::ConnectionTrait;

both!(an_unknown_stored_value_is_an_error_not_a_default);

/// Writes `sql` through a connection of its own, as another program (or an older or newer
/// kefu) could.
async fn poke(db: &Db, sql: String) {
    let conn = sea_orm::Database::connect(&db.url).await.expect("connect");
    conn.execute_unprepared(&sql).await.expect("raw update");
    conn.close().await.ok();
}

fn corrupt(err: StoreError) -> (&'static str, String) {
    match err {
        StoreError::Corrupt { column, value } => (column, value),
        other => panic!("expected a corrupt value, got {other:?}"),
    }
}

async fn an_unknown_stored_value_is_an_error_not_a_default(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let ws = workspace(s, "acme").await;
    let (sc, me) = (&ws.scope, &ws.admin);
    let bad = s.create_ticket(sc, me, inquiry("bad")).await.unwrap();
    let good = s.create_ticket(sc, me, inquiry("good")).await.unwrap();
    poke(
        &db,
        format!("UPDATE tickets SET state = 'limbo' WHERE id = '{}'", bad.id),
    )
    .await;

    let (column, value) = corrupt(s.get_ticket(sc, &bad.id).await.unwrap_err());
    assert_eq!(column, "TicketState");
    assert!(value.contains("`limbo`"), "{value}");
    // A list holding the row fails rather than leaving it out.
    let all = s
        .list_tickets(sc, &TicketFilter::default(), &PageRequest::default())
        .await;
    assert_eq!(corrupt(all.unwrap_err()).0, "TicketState");
    // A change to the row is refused; nothing is recorded (put back, the row is as it was).
    let moved = s
        .transition_ticket(sc, me, &bad.id, TicketState::Open, "")
        .await;
    assert_eq!(corrupt(moved.unwrap_err()).0, "TicketState");
    assert_eq!(
        corrupt(s.ticket_transitions(sc, &bad.id).await.unwrap_err()).0,
        "TicketState"
    );
    poke(
        &db,
        format!("UPDATE tickets SET state = 'new' WHERE id = '{}'", bad.id),
    )
    .await;
    assert!(s.ticket_transitions(sc, &bad.id).await.unwrap().is_empty());
    assert_eq!(s.get_ticket(sc, &bad.id).await.unwrap(), bad);
    // The other rows read as before.
    assert_eq!(
        s.get_ticket(sc, &good.id).await.unwrap().state,
        TicketState::New
    );

    let call = s
        .create_interaction(
            sc,
            me,
            InteractionFields::new(Channel::Voice, Direction::Inbound),
        )
        .await
        .unwrap();
    poke(
        &db,
        format!(
            "UPDATE interactions SET channel = 'pigeon' WHERE id = '{}'",
            call.id
        ),
    )
    .await;
    let (column, value) = corrupt(s.get_interaction(sc, &call.id).await.unwrap_err());
    assert_eq!(column, "Channel");
    assert!(value.contains("`pigeon`"), "{value}");
}
