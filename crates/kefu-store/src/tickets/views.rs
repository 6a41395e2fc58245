//! Ticket views and the handler chooser: counts of the standard views (my tickets,
//! unassigned, my groups, escalated), the groups of a user, the people and departments
//! (teams) that can take a ticket with their current load (open tickets), and people's
//! skills (a label — a category name or a ticket type — with a level 1–5).

use crate::audit::Change;
use crate::entity::{team, team_member, ticket, user, user_skill};
use crate::write::find_scoped;
use crate::{Actor, Result, Store, StoreError, WorkspaceScope};
use kefu_model::validate;
use kefu_model::{Role, TicketState};
use sea_orm::{ActiveModelTrait, Set};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// A person who can handle tickets, with the departments they belong to and their load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: String,
    pub name: String,
    pub role: String,
    /// Names of the user's teams (departments; what they can handle).
    pub teams: Vec<String>,
    /// Tickets assigned to them that are neither resolved nor closed.
    pub open_tickets: u64,
    /// Their skills with levels, by name.
    pub skills: Vec<(String, i32)>,
}

/// A department (team) with its members and load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamLoad {
    pub team_id: String,
    pub name: String,
    pub members: u64,
    /// Tickets of the group that are neither resolved nor closed.
    pub open_tickets: u64,
}

fn active() -> sea_orm::Condition {
    sea_orm::Condition::all().add(
        ticket::Column::State
            .is_not_in([TicketState::Resolved.as_str(), TicketState::Closed.as_str()]),
    )
}

impl Store {
    /// The ids of the teams `user_id` belongs to.
    pub async fn user_team_ids(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
    ) -> Result<Vec<String>> {
        Ok(team_member::Entity::find()
            .filter(team_member::Column::WorkspaceId.eq(scope.id()))
            .filter(team_member::Column::UserId.eq(user_id))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| m.team_id)
            .collect())
    }

    /// Counts of the standard views for `user_id`: (mine, unassigned, my groups, escalated),
    /// each over tickets that are neither resolved nor closed.
    pub async fn ticket_view_counts(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
    ) -> Result<[u64; 4]> {
        let base = || {
            ticket::Entity::find()
                .filter(ticket::Column::WorkspaceId.eq(scope.id()))
                .filter(active())
        };
        let mine = base()
            .filter(ticket::Column::AssigneeId.eq(user_id))
            .count(self.db())
            .await?;
        let unassigned = base()
            .filter(ticket::Column::AssigneeId.is_null())
            .count(self.db())
            .await?;
        let groups = self.user_team_ids(scope, user_id).await?;
        let my_groups = if groups.is_empty() {
            0
        } else {
            base()
                .filter(ticket::Column::GroupId.is_in(groups))
                .count(self.db())
                .await?
        };
        let escalated = base()
            .filter(ticket::Column::State.eq(TicketState::Escalated.as_str()))
            .count(self.db())
            .await?;
        Ok([mine, unassigned, my_groups, escalated])
    }

    /// The people (agents, specialists, supervisors; active) and teams that can take
    /// tickets, each with their open-ticket load, least loaded first.
    pub async fn handler_candidates(
        &self,
        scope: &WorkspaceScope,
    ) -> Result<(Vec<Candidate>, Vec<TeamLoad>)> {
        let open: Vec<(Option<String>, Option<String>)> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::AssigneeId)
            .column(ticket::Column::GroupId)
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(active())
            .into_tuple()
            .all(self.db())
            .await?;
        let mut by_user: HashMap<String, u64> = HashMap::new();
        let mut by_team: HashMap<String, u64> = HashMap::new();
        for (a, g) in open {
            if let Some(a) = a {
                *by_user.entry(a).or_default() += 1;
            }
            if let Some(g) = g {
                *by_team.entry(g).or_default() += 1;
            }
        }
        let teams = team::Entity::find()
            .filter(team::Column::WorkspaceId.eq(scope.id()))
            .order_by_asc(team::Column::Name)
            .all(self.db())
            .await?;
        let names: HashMap<String, String> = teams
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        let members = team_member::Entity::find()
            .filter(team_member::Column::WorkspaceId.eq(scope.id()))
            .all(self.db())
            .await?;
        let mut user_teams: HashMap<String, Vec<String>> = HashMap::new();
        let mut team_size: HashMap<String, u64> = HashMap::new();
        for m in members {
            if let Some(n) = names.get(&m.team_id) {
                user_teams.entry(m.user_id).or_default().push(n.clone());
            }
            *team_size.entry(m.team_id).or_default() += 1;
        }
        let mut skills = self.all_user_skills(scope).await?;
        let handlers = [Role::Agent, Role::Specialist, Role::Supervisor].map(Role::as_str);
        let mut people: Vec<Candidate> = user::Entity::find()
            .filter(user::Column::WorkspaceId.eq(scope.id()))
            .filter(user::Column::Active.eq(true))
            .filter(user::Column::Role.is_in(handlers))
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| {
                let mut teams = user_teams.remove(&u.id).unwrap_or_default();
                teams.sort();
                Candidate {
                    skills: skills.remove(&u.id).unwrap_or_default(),
                    open_tickets: by_user.get(&u.id).copied().unwrap_or(0),
                    user_id: u.id,
                    name: u.name,
                    role: u.role,
                    teams,
                }
            })
            .collect();
        people.sort_by(|a, b| {
            a.open_tickets
                .cmp(&b.open_tickets)
                .then(a.name.cmp(&b.name))
        });
        let mut loads: Vec<TeamLoad> = teams
            .into_iter()
            .map(|t| TeamLoad {
                open_tickets: by_team.get(&t.id).copied().unwrap_or(0),
                members: team_size.get(&t.id).copied().unwrap_or(0),
                team_id: t.id,
                name: t.name,
            })
            .collect();
        loads.sort_by(|a, b| {
            a.open_tickets
                .cmp(&b.open_tickets)
                .then(a.name.cmp(&b.name))
        });
        Ok((people, loads))
    }
}

impl Store {
    /// Every user's skills in `scope`, by user, sorted by name.
    pub async fn all_user_skills(
        &self,
        scope: &WorkspaceScope,
    ) -> Result<HashMap<String, Vec<(String, i32)>>> {
        let mut out: HashMap<String, Vec<(String, i32)>> = HashMap::new();
        for s in user_skill::Entity::find()
            .filter(user_skill::Column::WorkspaceId.eq(scope.id()))
            .order_by_asc(user_skill::Column::Skill)
            .all(self.db())
            .await?
        {
            out.entry(s.user_id).or_default().push((s.skill, s.level));
        }
        Ok(out)
    }

    /// The skills of user `user_id`, sorted by name.
    pub async fn user_skills(
        &self,
        scope: &WorkspaceScope,
        user_id: &str,
    ) -> Result<Vec<(String, i32)>> {
        find_scoped::<user::Entity, _>(self.db(), scope, user_id).await?;
        Ok(self
            .all_user_skills(scope)
            .await?
            .remove(user_id)
            .unwrap_or_default())
    }

    /// Replaces the skills of user `user_id` (names trimmed and unique, levels 1–5), audited
    /// `skills_set` on the user.
    pub async fn set_user_skills(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        user_id: &str,
        skills: &[(String, i32)],
    ) -> Result<Vec<(String, i32)>> {
        let clean = clean_skills(skills)?;
        let txn = self.write(scope, actor).await?;
        find_scoped::<user::Entity, _>(&txn, scope, user_id).await?;
        let before = replace_user_skills(&txn, user_id, &clean).await?;
        let as_json = |v: &[(String, i32)]| serde_json::json!({"skills": v.iter().map(|(s, l)| serde_json::json!({"skill": s, "level": l})).collect::<Vec<_>>()});
        let change = Change {
            action: "skills_set",
            entity_type: "user",
            entity_id: user_id,
            before: Some(as_json(&before)),
            after: Some(as_json(&clean)),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(clean)
    }
}

/// Checks a user's skills: names trimmed, non-empty and unique (in any case), levels 1–5, at
/// most 100; answers them sorted by name.
pub fn clean_skills(skills: &[(String, i32)]) -> Result<Vec<(String, i32)>> {
    use kefu_model::error::FieldProblem;
    let invalid = |field: &str, reason| {
        StoreError::Model(kefu_model::ModelError::InvalidField {
            field: field.into(),
            reason,
        })
    };
    if skills.len() > 100 {
        return Err(invalid("skills", FieldProblem::TooMany));
    }
    let mut clean: Vec<(String, i32)> = vec![];
    for (name, level) in skills {
        let name = validate::required("skills.skill", name, 100)?;
        if !(1..=5).contains(level) {
            return Err(invalid("skills.level", FieldProblem::Format));
        }
        if clean.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            return Err(invalid("skills.skill", FieldProblem::Format));
        }
        clean.push((name, *level));
    }
    clean.sort();
    Ok(clean)
}

/// Replaces the skills of user `user_id` in write `w` by `skills` (already validated);
/// returns the skills before, sorted by name.
pub(crate) async fn replace_user_skills(
    w: &crate::write::Write<'_>,
    user_id: &str,
    skills: &[(String, i32)],
) -> Result<Vec<(String, i32)>> {
    let ws = w.scope().id().to_owned();
    let before: Vec<(String, i32)> = user_skill::Entity::find()
        .filter(user_skill::Column::WorkspaceId.eq(ws.as_str()))
        .filter(user_skill::Column::UserId.eq(user_id))
        .order_by_asc(user_skill::Column::Skill)
        .all(w)
        .await?
        .into_iter()
        .map(|s| (s.skill, s.level))
        .collect();
    user_skill::Entity::delete_many()
        .filter(user_skill::Column::WorkspaceId.eq(ws.as_str()))
        .filter(user_skill::Column::UserId.eq(user_id))
        .exec(w)
        .await?;
    for (name, level) in skills {
        user_skill::ActiveModel {
            workspace_id: Set(ws.clone()),
            user_id: Set(user_id.to_owned()),
            skill: Set(name.clone()),
            level: Set(*level),
            ..Default::default()
        }
        .insert(w)
        .await?;
    }
    Ok(before)
}
