//! Engine scenarios, one feature at a time: strategies, levels and relaxation, reservations,
//! wrap-up, exits, overflow, hours, VIP, preference, channels, EWT, snapshot, callbacks.

use kefu_acd::*;

const S: SkillId = SkillId(0);
const T: SkillId = SkillId(1);

struct W {
    e: Engine,
    now: Time,
}

impl W {
    fn new(queues: Vec<QueueConfig>, agents: Vec<AgentConfig>) -> W {
        let mut e = Engine::new(EngineConfig::default());
        for (i, q) in queues.into_iter().enumerate() {
            e.handle(
                0,
                Command::UpsertQueue {
                    id: QueueId(i as u32),
                    config: q,
                },
            )
            .unwrap();
        }
        for (i, a) in agents.into_iter().enumerate() {
            e.handle(
                0,
                Command::UpsertAgent {
                    id: AgentId(i as u32),
                    config: a,
                },
            )
            .unwrap();
        }
        W { e, now: 0 }
    }
    fn at(&mut self, t: Time, cmd: Command) -> Vec<Event> {
        self.now = t;
        self.e.handle(t, cmd).unwrap()
    }
    fn login_all(&mut self, t: Time) {
        for a in self.e.agent_ids().collect::<Vec<_>>() {
            self.at(t, Command::Login { agent: a });
        }
    }
    fn arrive(&mut self, t: Time, id: u64, q: u32) -> Vec<Event> {
        self.at(t, Command::Arrive(Arrival::new(ContactId(id), QueueId(q))))
    }
    fn answer(&mut self, ev: &[Event]) {
        for (c, a) in offers(ev) {
            let now = self.now;
            self.e
                .handle(
                    now,
                    Command::Accept {
                        contact: c,
                        agent: a,
                    },
                )
                .unwrap();
        }
    }
}

fn offers(ev: &[Event]) -> Vec<(ContactId, AgentId)> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Offered { contact, agent, .. } => Some((*contact, *agent)),
            _ => None,
        })
        .collect()
}

fn q(strategy: Strategy) -> QueueConfig {
    QueueConfig {
        strategy,
        requirements: vec![Requirement::new(S, 1)],
        ..QueueConfig::default()
    }
}

fn voice(level: u8) -> AgentConfig {
    AgentConfig::voice(&[(S, level)])
}

#[test]
fn longest_idle_offers_to_the_agent_idle_longest() {
    let mut w = W::new(
        vec![q(Strategy::LongestIdle)],
        vec![voice(1), voice(1), voice(1)],
    );
    w.at(0, Command::Login { agent: AgentId(2) });
    w.at(10, Command::Login { agent: AgentId(0) });
    w.at(20, Command::Login { agent: AgentId(1) });
    assert_eq!(
        offers(&w.arrive(30, 1, 0)),
        vec![(ContactId(1), AgentId(2))]
    );
    assert_eq!(
        offers(&w.arrive(31, 2, 0)),
        vec![(ContactId(2), AgentId(0))]
    );
    // Agent 2 finishes: idle since 100, so agent 1 (idle since 20) is next.
    let ev = w.arrive(32, 3, 0);
    {
        let ev = w.arrive(33, 4, 0);
        w.answer(&ev);
    }
    let _ = ev;
    w.at(
        40,
        Command::Accept {
            contact: ContactId(1),
            agent: AgentId(2),
        },
    );
    w.at(
        100,
        Command::End {
            contact: ContactId(1),
        },
    );
    // Contact 3 went to agent 1 at 32; contact 4 waits; agent 2 frees at 100 and takes it.
    assert_eq!(
        w.e.contact(ContactId(4)).map(|c| c.state),
        Some(ContactState::Offered {
            agents: vec![AgentId(2)],
            expires_at: 100 + 15_000
        })
    );
}

#[test]
fn least_occupied_prefers_the_agent_with_fewer_chats() {
    let chat = QueueConfig {
        channel: Channel::Chat,
        ..q(Strategy::LeastOccupied)
    };
    let agent = || AgentConfig {
        capacity: [0, 3, 0, 0],
        ..AgentConfig::new(&[(S, 1)])
    };
    let mut w = W::new(vec![chat], vec![agent(), agent()]);
    w.login_all(0);
    let mut got = Vec::new();
    for i in 1..=4 {
        let ev = w.arrive(10 * i, i, 0);
        got.extend(offers(&ev).into_iter().map(|x| x.1.0));
        w.answer(&ev);
    }
    // 0, then 1 (0 has one chat), then 0 again, then 1: loads stay balanced.
    assert_eq!(got, vec![0, 1, 0, 1]);
    let v = w.e.agent(AgentId(0)).unwrap();
    assert_eq!(v.load[Channel::Chat.idx()], 2);
    assert_eq!(v.state, AgentState::Busy);
    assert!(v.available[Channel::Chat.idx()], "room for a third chat");
}

#[test]
fn round_robin_rotates_through_agents() {
    let mut w = W::new(
        vec![q(Strategy::RoundRobin)],
        vec![voice(1), voice(1), voice(1)],
    );
    w.login_all(0);
    let mut got = Vec::new();
    for i in 1..=6 {
        let ev = w.arrive(10 * i, i, 0);
        let o = offers(&ev);
        got.push(o[0].1.0);
        w.answer(&ev);
        w.at(
            10 * i + 1,
            Command::End {
                contact: ContactId(i),
            },
        );
    }
    assert_eq!(got, vec![0, 1, 2, 0, 1, 2]);
}

#[test]
fn skills_weighted_prefers_higher_proficiency() {
    let mut w = W::new(
        vec![q(Strategy::SkillsWeighted)],
        vec![voice(1), voice(4), voice(2)],
    );
    w.login_all(0);
    assert_eq!(offers(&w.arrive(10, 1, 0))[0].1, AgentId(1));
    assert_eq!(offers(&w.arrive(11, 2, 0))[0].1, AgentId(2));
}

#[test]
fn ring_all_rings_everyone_and_the_first_answer_wins() {
    let mut w = W::new(
        vec![q(Strategy::RingAll)],
        vec![voice(1), voice(1), voice(1)],
    );
    w.login_all(0);
    let ev = w.arrive(10, 1, 0);
    assert_eq!(offers(&ev).len(), 3);
    let ev = w.at(
        12,
        Command::Accept {
            contact: ContactId(1),
            agent: AgentId(1),
        },
    );
    let rescinded: Vec<AgentId> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Rescinded {
                agent,
                reason: RescindReason::AnsweredElsewhere,
                ..
            } => Some(*agent),
            _ => None,
        })
        .collect();
    assert_eq!(rescinded, vec![AgentId(0), AgentId(2)]);
    assert_eq!(w.e.agent(AgentId(0)).unwrap().state, AgentState::Available);
    assert_eq!(w.e.agent(AgentId(1)).unwrap().state, AgentState::Busy);
}

#[test]
fn levels_and_relaxation_steps_in_order() {
    let queue = QueueConfig {
        requirements: vec![Requirement::new(S, 3), Requirement::new(T, 2)],
        relaxation: vec![
            RelaxStep {
                after_ms: 30_000,
                op: RelaxOp::MaxLevel(1),
            },
            RelaxStep {
                after_ms: 60_000,
                op: RelaxOp::Drop(vec![T]),
            },
        ],
        ..QueueConfig::default()
    };
    // Agent 0: S1 only. Agent 1: S1 and T1.
    let mut w = W::new(
        vec![queue],
        vec![
            AgentConfig::voice(&[(S, 1)]),
            AgentConfig::voice(&[(S, 1), (T, 1)]),
        ],
    );
    w.at(0, Command::Login { agent: AgentId(0) });
    assert!(offers(&w.arrive(0, 1, 0)).is_empty(), "nobody at level 3");
    let ev = w.at(30_000, Command::Tick);
    assert!(ev.contains(&Event::Relaxed {
        contact: ContactId(1),
        queue: QueueId(0),
        step: 0
    }));
    assert!(offers(&ev).is_empty(), "agent 0 lacks T");
    assert_eq!(
        w.e.contact(ContactId(1)).unwrap().requirements,
        vec![Requirement::new(S, 1), Requirement::new(T, 1)]
    );
    let ev = w.at(60_000, Command::Tick);
    assert!(ev.contains(&Event::Relaxed {
        contact: ContactId(1),
        queue: QueueId(0),
        step: 1
    }));
    assert_eq!(offers(&ev), vec![(ContactId(1), AgentId(0))]);
    // Both steps at once still apply one after the other, in order.
    let mut w2 = W::new(
        vec![QueueConfig {
            requirements: vec![Requirement::new(S, 3), Requirement::new(T, 2)],
            relaxation: vec![
                RelaxStep {
                    after_ms: 30_000,
                    op: RelaxOp::MaxLevel(1),
                },
                RelaxStep {
                    after_ms: 30_000,
                    op: RelaxOp::Drop(vec![T]),
                },
            ],
            ..QueueConfig::default()
        }],
        vec![AgentConfig::voice(&[(S, 1)])],
    );
    w2.arrive(0, 1, 0);
    let steps: Vec<u8> = w2
        .at(90_000, Command::Tick)
        .iter()
        .filter_map(|e| match e {
            Event::Relaxed { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(steps, vec![0, 1]);
}

#[test]
fn missed_offers_put_the_agent_in_no_answer_and_rejects_exclude() {
    let mut w = W::new(
        vec![QueueConfig {
            offer_timeout_ms: 10_000,
            ..q(Strategy::LongestIdle)
        }],
        vec![voice(1), voice(1)],
    );
    w.at(0, Command::Login { agent: AgentId(0) });
    w.arrive(0, 1, 0);
    // Three timeouts in a row (re-offered to the same agent each time).
    let ev = w.at(35_000, Command::Tick);
    let timeouts = ev
        .iter()
        .filter(|e| matches!(e, Event::OfferTimedOut { .. }))
        .count();
    assert_eq!(timeouts, 3);
    let v = w.e.agent(AgentId(0)).unwrap();
    assert_eq!(v.presence, Presence::Aux(AuxReason::NoAnswer));
    assert_eq!(v.counters.missed, 3);
    assert_eq!(
        w.e.contact(ContactId(1)).unwrap().state,
        ContactState::Waiting
    );
    // Agent 1 rejects: the contact waits for someone else, not agent 1 again.
    let ev = w.at(36_000, Command::Login { agent: AgentId(1) });
    assert_eq!(offers(&ev), vec![(ContactId(1), AgentId(1))]);
    let ev = w.at(
        37_000,
        Command::Reject {
            contact: ContactId(1),
            agent: AgentId(1),
        },
    );
    assert!(offers(&ev).is_empty());
    assert!(!w.e.can_take(AgentId(1), ContactId(1)));
    // Agent 0 comes back from no_answer and gets it.
    let ev = w.at(38_000, Command::SetAvailable { agent: AgentId(0) });
    assert_eq!(offers(&ev), vec![(ContactId(1), AgentId(0))]);
    assert!(
        w.e.handle(
            38_000,
            Command::Accept {
                contact: ContactId(1),
                agent: AgentId(1)
            }
        )
        .is_err()
    );
}

#[test]
fn wrap_up_blocks_offers_until_it_ends() {
    let mut w = W::new(
        vec![QueueConfig {
            wrap_up_ms: 30_000,
            ..q(Strategy::LongestIdle)
        }],
        vec![voice(1)],
    );
    w.login_all(0);
    let ev = w.arrive(0, 1, 0);
    w.answer(&ev);
    w.at(
        60_000,
        Command::End {
            contact: ContactId(1),
        },
    );
    assert_eq!(w.e.agent(AgentId(0)).unwrap().state, AgentState::WrapUp);
    assert!(offers(&w.arrive(61_000, 2, 0)).is_empty());
    let ev = w.at(90_000, Command::Tick);
    assert!(ev.contains(&Event::WrapUpEnded {
        contact: ContactId(1),
        agent: AgentId(0)
    }));
    assert_eq!(offers(&ev), vec![(ContactId(2), AgentId(0))]);
    // Early wrap-up done.
    w.answer(&ev);
    w.at(
        100_000,
        Command::End {
            contact: ContactId(2),
        },
    );
    let ev = w.at(
        101_000,
        Command::WrapUpDone {
            contact: ContactId(2),
        },
    );
    assert!(ev.contains(&Event::WrapUpEnded {
        contact: ContactId(2),
        agent: AgentId(0)
    }));
    assert_eq!(w.e.agent(AgentId(0)).unwrap().counters.handled, 2);
}

#[test]
fn exits_overflow_queue_length_and_hours() {
    let main = QueueConfig {
        max_wait: Some((120_000, ExitAction::Voicemail)),
        overflow: Some(Overflow {
            after_ms: 60_000,
            to: QueueId(1),
        }),
        max_queue_len: Some(2),
        full_action: ExitAction::Callback,
        ..q(Strategy::LongestIdle)
    };
    let backup = QueueConfig {
        requirements: vec![Requirement::new(T, 1)],
        max_wait: Some((30_000, ExitAction::Voicemail)),
        ..QueueConfig::default()
    };
    let mut w = W::new(vec![main, backup], vec![]);
    w.arrive(0, 1, 0);
    w.arrive(1, 2, 0);
    let ev = w.arrive(2, 3, 0);
    assert!(ev.contains(&Event::Exited {
        contact: ContactId(3),
        queue: QueueId(0),
        reason: ExitReason::QueueFull,
        action: ExitAction::Callback
    }));
    let ev = w.at(60_000, Command::Tick);
    assert!(ev.contains(&Event::Overflowed {
        contact: ContactId(1),
        from: QueueId(0),
        to: QueueId(1)
    }));
    assert_eq!(w.e.waiting(QueueId(1)), vec![ContactId(1)]);
    let ev = w.at(90_000, Command::Tick);
    assert!(ev.contains(&Event::Exited {
        contact: ContactId(1),
        queue: QueueId(1),
        reason: ExitReason::MaxWait,
        action: ExitAction::Voicemail
    }));
    assert!(w.e.contact(ContactId(1)).is_none());

    // Business hours: 09:00–17:00 on weekdays; the clock's day 0 is a Monday here.
    let mut hours = WeeklyHours::daily(&[0, 1, 2, 3, 4], 9 * 60, 17 * 60);
    hours.epoch_weekday = 0;
    let shop = QueueConfig {
        hours: Some(std::sync::Arc::new(hours)),
        ..q(Strategy::LongestIdle)
    };
    let mut w = W::new(vec![shop], vec![voice(1)]);
    let ev = w.arrive(8 * 3_600_000, 1, 0);
    assert!(ev.contains(&Event::Exited {
        contact: ContactId(1),
        queue: QueueId(0),
        reason: ExitReason::Closed,
        action: ExitAction::Voicemail
    }));
    let ev = w.arrive(10 * 3_600_000, 2, 0);
    assert!(ev.contains(&Event::Queued {
        contact: ContactId(2),
        queue: QueueId(0)
    }));
    let saturday = 5 * 86_400_000 + 10 * 3_600_000;
    assert!(matches!(
        w.arrive(saturday, 3, 0)[0],
        Event::Exited {
            reason: ExitReason::Closed,
            ..
        }
    ));
}

#[test]
fn vip_and_priority_go_first_and_aging_lifts_the_patient() {
    let mut w = W::new(
        vec![QueueConfig {
            aging_per_min: 1,
            ..q(Strategy::LongestIdle)
        }],
        vec![voice(1)],
    );
    w.arrive(0, 1, 0);
    w.arrive(1_000, 2, 0);
    let mut vip = Arrival::new(ContactId(3), QueueId(0));
    vip.vip = true;
    w.at(2_000, Command::Arrive(vip));
    let mut high = Arrival::new(ContactId(4), QueueId(0));
    high.priority = 3;
    w.at(3_000, Command::Arrive(high));
    assert_eq!(
        w.e.waiting(QueueId(0)),
        vec![ContactId(3), ContactId(4), ContactId(1), ContactId(2)]
    );
    let c1 = w.e.contact(ContactId(1)).unwrap();
    w.at(3 * 60_000, Command::Tick);
    let c1b = w.e.contact(ContactId(1)).unwrap();
    assert!(
        (c1b.effective_priority - c1.effective_priority - (3.0 * 60_000.0 - 3_000.0) / 60_000.0)
            .abs()
            < 1e-9
    );
}

#[test]
fn the_owner_is_preferred_for_a_while() {
    let queue = QueueConfig {
        prefer_ms: 30_000,
        ..q(Strategy::LongestIdle)
    };
    let mut w = W::new(vec![queue], vec![voice(1), voice(1)]);
    w.login_all(0);
    // Owner (agent 1) busy with contact 1.
    let mut a = Arrival::new(ContactId(1), QueueId(0));
    a.preferred_agent = Some(AgentId(1));
    {
        let ev = w.at(10, Command::Arrive(a));
        w.answer(&ev);
    }
    assert_eq!(w.e.agent(AgentId(1)).unwrap().state, AgentState::Busy);
    // Contact 2 also belongs to agent 1: it waits although agent 0 is idle…
    let mut b = Arrival::new(ContactId(2), QueueId(0));
    b.preferred_agent = Some(AgentId(1));
    assert!(offers(&w.at(20, Command::Arrive(b))).is_empty());
    assert!(!w.e.can_take(AgentId(0), ContactId(2)));
    // …until the window closes.
    let ev = w.at(30_020, Command::Tick);
    assert_eq!(offers(&ev), vec![(ContactId(2), AgentId(0))]);
    // An owner who is away is not waited for.
    w.at(
        30_030,
        Command::SetAux {
            agent: AgentId(1),
            reason: AuxReason::Lunch,
        },
    );
    w.at(
        30_040,
        Command::End {
            contact: ContactId(1),
        },
    );
    w.at(
        30_050,
        Command::Accept {
            contact: ContactId(2),
            agent: AgentId(0),
        },
    );
    w.at(
        30_060,
        Command::End {
            contact: ContactId(2),
        },
    );
    let mut c = Arrival::new(ContactId(3), QueueId(0));
    c.preferred_agent = Some(AgentId(1));
    assert_eq!(
        offers(&w.at(30_070, Command::Arrive(c))),
        vec![(ContactId(3), AgentId(0))]
    );
}

#[test]
fn channel_capacity_and_cross_channel_rules() {
    let voiceq = q(Strategy::LongestIdle);
    let chatq = QueueConfig {
        channel: Channel::Chat,
        ..q(Strategy::LongestIdle)
    };
    // Agent 0: default (channels exclusive). Agent 1: chat allowed beside voice.
    let mut mixed = AgentConfig::new(&[(S, 1)]);
    mixed.blocks = [0b0010, 0, 0, 0]; // no new call while chatting; chats while on a call ok
    let mut w = W::new(vec![voiceq, chatq], vec![AgentConfig::new(&[(S, 1)])]);
    w.login_all(0);
    {
        let ev = w.arrive(0, 1, 0);
        w.answer(&ev);
    }
    assert!(
        offers(&w.arrive(1, 2, 1)).is_empty(),
        "no chat while on a call"
    );
    let mut w = W::new(
        vec![
            q(Strategy::LongestIdle),
            QueueConfig {
                channel: Channel::Chat,
                ..q(Strategy::LongestIdle)
            },
        ],
        vec![mixed],
    );
    w.login_all(0);
    {
        let ev = w.arrive(0, 1, 0);
        w.answer(&ev);
    }
    assert_eq!(offers(&w.arrive(1, 2, 1)).len(), 1, "chat beside the call");
    for i in 3..=5 {
        {
            let ev = w.arrive(i, i, 1);
            w.answer(&ev);
        }
    }
    let v = w.e.agent(AgentId(0)).unwrap();
    assert_eq!(v.load, [1, 3, 0, 0]);
    assert!(
        offers(&w.arrive(9, 9, 1)).is_empty(),
        "3 chats is the default capacity"
    );
}

#[test]
fn ewt_snapshot_and_callback_offer() {
    let queue = QueueConfig {
        aht_ms: 120_000,
        callback_offer_ewt_ms: Some(45_000),
        max_wait: Some((300_000, ExitAction::Voicemail)),
        ..q(Strategy::LongestIdle)
    };
    let mut w = W::new(vec![queue], vec![voice(1), voice(1)]);
    w.login_all(0);
    {
        let ev = w.arrive(0, 1, 0);
        w.answer(&ev);
    }
    {
        let ev = w.arrive(0, 2, 0);
        w.answer(&ev);
    }
    let ev = w.arrive(1_000, 3, 0);
    // First in line, 2 agents, AHT 120 s: queue-length estimate 60 s, blended half and half
    // with the head-of-line delay (the last answered waited 0 s): 30 s.
    assert!(
        !ev.iter()
            .any(|e| matches!(e, Event::CallbackOffered { .. })),
        "EWT 30 s is not above 45 s"
    );
    let ev = w.arrive(2_000, 4, 0);
    let ewt4 = ev.iter().find_map(|e| match e {
        Event::CallbackOffered { ewt_ms, .. } => Some(*ewt_ms),
        _ => None,
    });
    assert_eq!(ewt4, Some(60_000), "2nd in line: (120 s + 0 s) / 2");
    assert_eq!(w.e.ewt(ContactId(3)), Some(30_000));
    w.at(
        3_000,
        Command::AcceptCallback {
            contact: ContactId(4),
        },
    );
    let snap = w.e.snapshot(QueueId(0)).unwrap();
    assert_eq!(snap.waiting, 2);
    assert_eq!(snap.longest_wait_ms, 2_000);
    assert_eq!(snap.agents.busy, 2);
    assert_eq!(snap.answered, 2);
    assert_eq!(snap.service_level, Some(1.0));
    assert_eq!(snap.ewt_ms, Some(90_000));
    // Contact 3 leaves at max wait; the callback (4) keeps its place.
    let ev = w.at(301_000, Command::Tick);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Exited {
            contact: ContactId(3),
            ..
        }
    )));
    assert_eq!(w.e.waiting(QueueId(0)), vec![ContactId(4)]);
    // As contact 4 moves up, its EWT does not rise.
    let before = w.e.ewt(ContactId(4)).unwrap();
    assert!(before <= 60_000, "{before}");
}

#[test]
fn logout_rescinds_ringing_offers_and_lets_calls_finish() {
    let mut w = W::new(
        vec![q(Strategy::LongestIdle)],
        vec![
            voice(1),
            AgentConfig {
                capacity: [1, 0, 0, 0],
                ..AgentConfig::new(&[(S, 1)])
            },
        ],
    );
    w.at(0, Command::Login { agent: AgentId(0) });
    w.arrive(1, 1, 0);
    let ev = w.at(2, Command::Logout { agent: AgentId(0) });
    assert!(ev.contains(&Event::Rescinded {
        contact: ContactId(1),
        agent: AgentId(0),
        reason: RescindReason::AgentLeft
    }));
    assert_eq!(
        w.e.contact(ContactId(1)).unwrap().state,
        ContactState::Waiting
    );
    let ev = w.at(3, Command::Login { agent: AgentId(1) });
    w.answer(&ev);
    w.at(4, Command::Logout { agent: AgentId(1) });
    let v = w.e.agent(AgentId(1)).unwrap();
    assert_eq!(
        (v.presence, v.state),
        (Presence::LoggedOut, AgentState::Busy)
    );
    w.at(
        5,
        Command::End {
            contact: ContactId(1),
        },
    );
    assert_eq!(w.e.agent(AgentId(1)).unwrap().state, AgentState::LoggedOut);
}

#[test]
fn errors_leave_the_state_unchanged() {
    let mut w = W::new(vec![q(Strategy::LongestIdle)], vec![voice(1)]);
    assert_eq!(
        w.e.handle(0, Command::Login { agent: AgentId(9) }),
        Err(Error::UnknownAgent(AgentId(9)))
    );
    assert_eq!(
        w.e.handle(0, Command::Arrive(Arrival::new(ContactId(1), QueueId(5)))),
        Err(Error::UnknownQueue(QueueId(5)))
    );
    w.arrive(0, 1, 0);
    assert_eq!(
        w.e.handle(0, Command::Arrive(Arrival::new(ContactId(1), QueueId(0)))),
        Err(Error::DuplicateContact(ContactId(1)))
    );
    assert_eq!(
        w.e.handle(
            0,
            Command::End {
                contact: ContactId(1)
            }
        ),
        Err(Error::WrongState(ContactId(1)))
    );
    assert_eq!(
        w.e.handle(
            0,
            Command::Accept {
                contact: ContactId(1),
                agent: AgentId(0)
            }
        ),
        Err(Error::NotOffered {
            contact: ContactId(1),
            agent: AgentId(0)
        })
    );
    assert_eq!(w.e.waiting(QueueId(0)), vec![ContactId(1)]);
}

#[test]
fn reconfiguring_a_queue_reroutes_its_waiting_contacts() {
    let strict = QueueConfig {
        requirements: vec![Requirement::new(S, 3)],
        overflow: Some(Overflow {
            after_ms: 60_000,
            to: QueueId(0),
        }),
        ..QueueConfig::default()
    };
    let mut w = W::new(vec![strict.clone()], vec![voice(1)]);
    w.login_all(0);
    assert!(offers(&w.arrive(0, 1, 0)).is_empty());
    assert!(offers(&w.arrive(1, 2, 0)).is_empty());
    // Requirements lowered: both waiting contacts now fit the agent; the first is offered.
    let ev = w.at(
        10_000,
        Command::UpsertQueue {
            id: QueueId(0),
            config: q(Strategy::LongestIdle),
        },
    );
    assert_eq!(offers(&ev), vec![(ContactId(1), AgentId(0))]);
    assert_eq!(
        w.e.contact(ContactId(2)).unwrap().requirements,
        vec![Requirement::new(S, 1)]
    );
    // Raised again: contact 2 no longer fits; the overflow timer of the old config is ignored.
    w.at(
        20_000,
        Command::UpsertQueue {
            id: QueueId(0),
            config: QueueConfig {
                overflow: None,
                ..strict
            },
        },
    );
    w.at(
        20_001,
        Command::Accept {
            contact: ContactId(1),
            agent: AgentId(0),
        },
    );
    let ev = w.at(
        30_000,
        Command::End {
            contact: ContactId(1),
        },
    );
    assert!(offers(&ev).is_empty());
    w.at(120_000, Command::Tick);
    assert_eq!(w.e.waiting(QueueId(0)), vec![ContactId(2)]);
}
