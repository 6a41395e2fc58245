//! Tenancy of the store functions: from workspace B's scope, A's records are "not found" for
//! every read and change, cannot be referenced, and never appear in B's lists; and none of
//! those attempts writes anything.

use crate::both;
use crate::common::{Backend, Db, audit_log, inquiry, workspace};
use kefu_model::{Channel, Priority, Role, TicketState};
use kefu_store::crm::customers::{CustomerFields, CustomerFilter};
use kefu_store::identity::teams::TeamFields;
use kefu_store::identity::workspaces::{NewUser, UserFilter};
use kefu_store::tickets::actions::TicketAction;
use kefu_store::tickets::automations::AutomationFields;
use kefu_store::tickets::messages::{AuthorKind, NewMessage};
use kefu_store::tickets::relations::LinkKind;
use kefu_store::tickets::ticket::TicketFilter;
use kefu_store::{PageRequest, StoreError};
use serde_json::json;

both!(another_workspace_s_records_are_not_found);

/// Asserts that a store call fails with `NotFound`.
macro_rules! not_found {
    ($call:expr) => {{
        let r = $call.await;
        assert!(
            matches!(r, Err(StoreError::NotFound)),
            "{}: {r:?}",
            stringify!($call)
        );
    }};
}

/// Asserts that a store call fails with `UnknownReference { field: $field }`.
macro_rules! unknown_ref {
    ($field:literal, $call:expr) => {{
        let r = $call.await;
        assert!(
            matches!(r, Err(StoreError::UnknownReference { field: $field })),
            "{}: {r:?}",
            stringify!($call)
        );
    }};
}

fn note(body: &str) -> NewMessage {
    NewMessage {
        author: AuthorKind::Agent,
        public: false,
        channel: Channel::Chat,
        body: body.into(),
        attachments: vec![],
    }
}

async fn another_workspace_s_records_are_not_found(backend: Backend) {
    let (db, _clock) = Db::manual(backend).await;
    let s = &db.store;
    let a = workspace(s, "alpha").await;
    let b = workspace(s, "beta").await;
    let (asc, ame) = (&a.scope, &a.admin);
    let page = PageRequest::default();

    // Workspace A: an agent, a team, a customer, a ticket with tags and a note, a macro, a token.
    let a_agent = s
        .create_user(
            asc,
            ame,
            NewUser {
                email: "agent@alpha.test".into(),
                name: "Agent A".into(),
                role: Role::Agent,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let a_team = s
        .create_team(
            asc,
            ame,
            TeamFields {
                name: "Alpha team".into(),
                description: None,
            },
        )
        .await
        .unwrap();
    s.set_team_members(asc, ame, &a_team.id, std::slice::from_ref(&a_agent.id))
        .await
        .unwrap();
    let a_cust = s
        .create_customer(
            asc,
            ame,
            CustomerFields {
                name: "Alpha Li".into(),
                phones: vec!["13800138000".into()],
                tags: vec!["alpha-tag".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut f = inquiry("Alpha ticket");
    f.customer_id = Some(a_cust.id.clone());
    f.assignee_id = Some(a_agent.id.clone());
    f.group_id = Some(a_team.id.clone());
    let a_ticket = s.create_ticket(asc, ame, f).await.unwrap();
    s.set_ticket_tags(asc, ame, &a_ticket.id, &["alpha-tag".into()])
        .await
        .unwrap();
    s.add_ticket_message(asc, ame, &a_ticket.id, note("alpha note"))
        .await
        .unwrap();
    let a_macro = s
        .create_automation(
            asc,
            ame,
            AutomationFields {
                kind: "macro",
                name: "Alpha macro".into(),
                position: 0,
                active: true,
                definition: json!({"actions": [{"action": "set_priority", "priority": "urgent"}]}),
            },
        )
        .await
        .unwrap();
    let a_token = s
        .create_token(
            asc,
            ame,
            &a.admin_id,
            "alpha token",
            "api",
            "hash-a".into(),
            None,
        )
        .await
        .unwrap();

    // Workspace B: its own customer, team and ticket.
    let (bsc, bme) = (&b.scope, &b.admin);
    let b_cust = s
        .create_customer(
            bsc,
            bme,
            CustomerFields {
                name: "Beta Wu".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b_team = s
        .create_team(
            bsc,
            bme,
            TeamFields {
                name: "Beta team".into(),
                description: None,
            },
        )
        .await
        .unwrap();
    let b_ticket = s
        .create_ticket(bsc, bme, inquiry("Beta ticket"))
        .await
        .unwrap();
    let a_ids = [
        a.admin_id.as_str(),
        a_agent.id.as_str(),
        a_team.id.as_str(),
        a_cust.id.as_str(),
        a_ticket.id.as_str(),
        a_macro.id.as_str(),
        a_token.id.as_str(),
        asc.id(),
    ];

    let before = db.dump().await;
    let (t, c) = (a_ticket.id.as_str(), a_cust.id.as_str());

    // Tickets.
    not_found!(s.get_ticket(bsc, t));
    not_found!(s.update_ticket(bsc, bme, t, |f| f.subject = "taken".into()));
    not_found!(s.transition_ticket(bsc, bme, t, TicketState::Open, "taken"));
    not_found!(s.ticket_transitions(bsc, t));
    not_found!(s.ticket_tags(bsc, t));
    not_found!(s.set_ticket_tags(bsc, bme, t, &["taken".into()]));
    not_found!(s.ticket_messages(bsc, t));
    not_found!(s.add_ticket_message(bsc, bme, t, note("taken")));
    not_found!(s.ticket_watchers(bsc, t));
    not_found!(s.set_ticket_watcher(bsc, bme, t, &b.admin_id, true));
    not_found!(s.ticket_links(bsc, t));
    not_found!(s.assign_sla_policy(bsc, bme, t, Some("gold".into())));
    let urgent = [TicketAction::SetPriority {
        priority: Priority::Urgent,
    }];
    not_found!(s.apply_ticket_actions(bsc, bme, t, &urgent, None));
    not_found!(s.apply_macro(bsc, bme, t, &a_macro.id));
    not_found!(s.apply_macro(bsc, bme, &b_ticket.id, &a_macro.id));
    not_found!(s.delete_ticket(bsc, bme, t));
    // Customers.
    not_found!(s.get_customer(bsc, c));
    not_found!(s.update_customer(bsc, bme, c, |f| f.name = "taken".into()));
    not_found!(s.set_lifecycle(bsc, bme, c, "customer", "taken"));
    not_found!(s.set_owner(bsc, bme, c, Some(&b.admin_id), "taken"));
    not_found!(s.add_customer_note(bsc, bme, c, "taken"));
    not_found!(s.delete_customer(bsc, bme, c));
    // Users, teams, automations, tokens.
    not_found!(s.get_user(bsc, &a_agent.id));
    not_found!(s.update_user(bsc, bme, &a_agent.id, |u| {
        u.name = "taken".into();
        Ok(())
    }));
    not_found!(s.get_team(bsc, &a_team.id));
    not_found!(s.update_team(bsc, bme, &a_team.id, |f| f.name = "taken".into()));
    // (A team's members read from B: none, as for a team that does not exist.)
    assert_eq!(
        s.team_members(bsc, &a_team.id).await.unwrap(),
        Vec::<String>::new()
    );
    not_found!(s.set_team_members(bsc, bme, &a_team.id, &[]));
    not_found!(s.delete_team(bsc, bme, &a_team.id));
    not_found!(s.get_automation(bsc, &a_macro.id));
    let taken = AutomationFields {
        kind: "macro",
        name: "taken".into(),
        position: 0,
        active: false,
        definition: json!({"actions": []}),
    };
    not_found!(s.update_automation(bsc, bme, &a_macro.id, taken));
    not_found!(s.delete_automation(bsc, bme, &a_macro.id));
    not_found!(s.revoke_token(bsc, bme, &a_token.id));

    // A's records cannot be referenced from B.
    let mut f = inquiry("x");
    f.customer_id = Some(a_cust.id.clone());
    unknown_ref!("customer_id", s.create_ticket(bsc, bme, f));
    let mut f = inquiry("x");
    f.assignee_id = Some(a_agent.id.clone());
    unknown_ref!("assignee_id", s.create_ticket(bsc, bme, f));
    let mut f = inquiry("x");
    f.group_id = Some(a_team.id.clone());
    unknown_ref!("group_id", s.create_ticket(bsc, bme, f));
    unknown_ref!(
        "customer_id",
        s.update_ticket(bsc, bme, &b_ticket.id, |f| f.customer_id =
            Some(a_cust.id.clone()))
    );
    unknown_ref!(
        "other_id",
        s.link_tickets(bsc, bme, &b_ticket.id, t, LinkKind::Related)
    );
    unknown_ref!(
        "user_id",
        s.set_ticket_watcher(bsc, bme, &b_ticket.id, &a_agent.id, true)
    );
    unknown_ref!(
        "member_ids",
        s.set_team_members(bsc, bme, &b_team.id, std::slice::from_ref(&a_agent.id))
    );
    unknown_ref!(
        "owner_id",
        s.set_owner(bsc, bme, &b_cust.id, Some(&a_agent.id), "x")
    );
    unknown_ref!(
        "user_id",
        s.create_token(bsc, bme, &a_agent.id, "x", "api", "hash-x".into(), None)
    );

    // B's lists hold exactly B's records, whatever the filter.
    let tickets = |f: TicketFilter| async move {
        let p = s.list_tickets(bsc, &f, &PageRequest::default()).await;
        p.unwrap()
            .items
            .into_iter()
            .map(|t| t.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tickets(TicketFilter::default()).await,
        [b_ticket.id.as_str()]
    );
    for f in [
        TicketFilter {
            customer_id: Some(a_cust.id.clone()),
            ..Default::default()
        },
        TicketFilter {
            assignee_id: Some(a_agent.id.clone()),
            ..Default::default()
        },
        TicketFilter {
            group_id: Some(a_team.id.clone()),
            ..Default::default()
        },
        TicketFilter {
            tag: Some("alpha-tag".into()),
            ..Default::default()
        },
        TicketFilter {
            ids: Some(vec![a_ticket.id.clone()]),
            ..Default::default()
        },
    ] {
        assert_eq!(tickets(f.clone()).await, Vec::<String>::new(), "{f:?}");
    }
    assert_eq!(
        s.ticket_ids_matching(bsc, &TicketFilter::default(), 100)
            .await
            .unwrap(),
        [b_ticket.id.as_str()]
    );
    assert_eq!(
        s.active_ticket_ids(bsc).await.unwrap(),
        [b_ticket.id.as_str()]
    );
    let customers = |q: Option<&str>, tag: Option<&str>| {
        let f = CustomerFilter {
            q: q.map(str::to_owned),
            tag: tag.map(str::to_owned),
            ..Default::default()
        };
        async move {
            let p = s.list_customers(bsc, &f, &PageRequest::default()).await;
            p.unwrap()
                .items
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(customers(None, None).await, [b_cust.id.as_str()]);
    for (q, tag) in [
        (Some("Alpha"), None),
        (Some("13800138000"), None),
        (None, Some("alpha-tag")),
    ] {
        assert_eq!(
            customers(q, tag).await,
            Vec::<String>::new(),
            "{q:?} {tag:?}"
        );
    }
    assert_eq!(
        s.find_by_identity(bsc, "phone", "+8613800138000")
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    let users = s
        .list_users(bsc, &UserFilter::default(), &page)
        .await
        .unwrap();
    assert_eq!(
        users.items.into_iter().map(|u| u.id).collect::<Vec<_>>(),
        [b.admin_id.as_str()]
    );
    let teams = s.list_teams(bsc, &page).await.unwrap();
    assert_eq!(
        teams.items.into_iter().map(|t| t.id).collect::<Vec<_>>(),
        [b_team.id.as_str()]
    );
    assert_eq!(s.list_automations(bsc, "macro").await.unwrap(), []);
    assert_eq!(s.list_tokens(bsc, &page).await.unwrap().items, []);
    assert_eq!(
        s.notifications(bsc, &a_agent.id, false, &page)
            .await
            .unwrap()
            .items,
        []
    );
    // (A's agent does have the note's notification in A.)
    assert_eq!(
        s.notifications(asc, &a_agent.id, false, &page)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let b_audit = audit_log(s, bsc).await;
    assert!(b_audit.iter().all(|r| r.workspace_id == bsc.id()));
    assert!(
        b_audit
            .iter()
            .all(|r| !a_ids.contains(&r.entity_id.as_str())
                && !a_ids.contains(&r.actor_id.as_deref().unwrap_or(""))),
        "{b_audit:?}"
    );

    // None of it wrote anything: A's records (and everything else) are as they were.
    assert_eq!(db.dump().await, before);
    assert_eq!(s.get_ticket(asc, t).await.unwrap(), a_ticket);
    assert_eq!(s.get_customer(asc, c).await.unwrap(), a_cust);
}
