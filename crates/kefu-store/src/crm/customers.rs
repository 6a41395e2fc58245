//! Customers (SPEC C1): the full profile (names, E.164 phones, case-insensitive e-mails,
//! external ids, organization, address, birthday, preferences, consent, value tier, tags,
//! admin-defined custom fields validated on every write), the identity index that makes
//! phone/e-mail/external-id lookups and dedupe fast, lifecycle stages and owners (认养) with
//! every change recorded as a customer event and audited, notes, and merges with redirects.

use crate::audit::Change;
use crate::crm::phone;
use crate::entity::{
    crm_setting, custom_field_def, customer, customer_event, customer_identity, interaction,
    ticket, user,
};
use crate::write::{Audited, Write, find_scoped, list_scoped};
use crate::{Actor, Page, PageRequest, Result, Store, StoreError, WorkspaceScope};
use chrono::{DateTime, NaiveDate, Utc};
use kefu_model::error::FieldProblem;
use kefu_model::validate::{self, SHORT_TEXT};
use kefu_model::{ModelError, interaction::Channel};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

impl Audited for customer::Model {
    const KIND: &'static str = "customer";
    fn id(&self) -> &str {
        &self.id
    }
}

impl Audited for custom_field_def::Model {
    const KIND: &'static str = "custom_field_def";
    fn id(&self) -> &str {
        &self.id
    }
}

/// Lifecycle stages (SPEC C1 / seed 001 客户生命周期).
pub const LIFECYCLE_STAGES: [&str; 7] = [
    "prospect",
    "first_contact",
    "opportunity",
    "customer",
    "repeat_customer",
    "at_risk",
    "lost",
];

/// Value tiers of a workspace that has not configured its own.
pub const DEFAULT_TIERS: [&str; 4] = ["vip", "high", "normal", "low"];

/// Custom field types an admin may define.
pub const FIELD_TYPES: [&str; 6] = [
    "text",
    "number",
    "date",
    "choice",
    "multi_choice",
    "boolean",
];

/// A postal address; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub country: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
}

/// What a customer agreed not to receive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    #[serde(default)]
    pub do_not_call: bool,
    #[serde(default)]
    pub do_not_email: bool,
    #[serde(default)]
    pub do_not_sms: bool,
}

/// Address, birthday, contact preferences and consent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default)]
    pub address: Address,
    pub birthday: Option<NaiveDate>,
    /// One of the interaction channels (`voice`, `email`, `chat`, …).
    pub preferred_channel: Option<String>,
    /// A language tag, e.g. `zh-CN`.
    pub language: Option<String>,
    /// `HH:MM-HH:MM` in the workspace's time zone.
    pub contact_hours: Option<String>,
    #[serde(default)]
    pub consent: Consent,
}

/// The editable fields of a customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFields {
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// Channel or system → id (e.g. `wechat` → `wxid_…`).
    pub external_ids: BTreeMap<String, String>,
    pub organization: Option<String>,
    pub tags: Vec<String>,
    pub profile: Profile,
    pub value_tier: Option<String>,
    /// Custom field key → value, typed by the workspace's definitions.
    pub custom: BTreeMap<String, Value>,
}

/// What validation needs to know about the workspace.
#[derive(Debug, Clone)]
pub struct CrmContext {
    /// Today (UTC) by the store's clock: birthdays after it are refused.
    pub today: chrono::NaiveDate,
    pub default_region: String,
    pub value_tiers: Vec<String>,
    pub fields: Vec<custom_field_def::Model>,
}

pub(crate) fn invalid(field: impl Into<String>, reason: FieldProblem) -> StoreError {
    ModelError::InvalidField {
        field: field.into(),
        reason,
    }
    .into()
}

fn opt_text(field: &str, v: Option<String>, max: usize) -> Result<Option<String>> {
    match v {
        Some(s) if !s.trim().is_empty() => Ok(Some(validate::required(field, &s, max)?)),
        _ => Ok(None),
    }
}

fn valid_hours(s: &str) -> bool {
    let hm = |p: &str| {
        let (h, m) = p.split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && p.len() == 5).then_some(h * 60 + m)
    };
    match s.split_once('-') {
        Some((a, b)) => matches!((hm(a), hm(b)), (Some(x), Some(y)) if x != y),
        None => false,
    }
}

/// Checks one custom field value against its definition; returns the normalized value.
pub(crate) fn check_custom(def: &custom_field_def::Model, v: &Value) -> Option<Value> {
    let choices: Vec<String> = serde_json::from_value(def.choices.clone()).unwrap_or_default();
    match (def.field_type.as_str(), v) {
        (_, Value::Null) => Some(Value::Null),
        ("text", Value::String(s)) if s.chars().count() <= SHORT_TEXT => Some(v.clone()),
        ("number", Value::Number(_)) => Some(v.clone()),
        ("boolean", Value::Bool(_)) => Some(v.clone()),
        ("date", Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| json!(d)),
        ("choice", Value::String(s)) if choices.contains(s) => Some(v.clone()),
        ("multi_choice", Value::Array(items)) => {
            let mut out = BTreeSet::new();
            for i in items {
                match i.as_str() {
                    Some(s) if choices.iter().any(|c| c == s) => {
                        out.insert(s.to_owned());
                    }
                    _ => return None,
                }
            }
            Some(json!(out))
        }
        _ => None,
    }
}

impl CustomerFields {
    /// Validates and normalizes: trims, phones to E.164 in the workspace's default region,
    /// e-mails lower-cased, duplicates dropped, tier and custom fields checked against the
    /// workspace's definitions.
    pub fn validated(self, ctx: &CrmContext) -> Result<CustomerFields> {
        let emails = validate::list("emails", &self.emails)?
            .iter()
            .map(|e| validate::email("emails", e))
            .collect::<Result<Vec<_>, _>>()?;
        let mut emails_out: Vec<String> = vec![];
        for e in emails {
            if !emails_out.contains(&e) {
                emails_out.push(e);
            }
        }
        let mut phones = vec![];
        for p in validate::list("phones", &self.phones)? {
            let n = phone::normalize(&p, &ctx.default_region)
                .ok_or_else(|| invalid("phones", FieldProblem::Format))?;
            if !phones.contains(&n) {
                phones.push(n);
            }
        }
        if self.external_ids.len() > validate::MAX_ITEMS {
            return Err(invalid("external_ids", FieldProblem::TooMany));
        }
        let mut external_ids = BTreeMap::new();
        for (k, v) in self.external_ids {
            external_ids.insert(
                validate::required("external_ids", &k, 100)?,
                validate::required("external_ids", &v, SHORT_TEXT)?,
            );
        }
        let value_tier = match self.value_tier {
            Some(t) if !t.trim().is_empty() => {
                let t = t.trim().to_owned();
                if !ctx.value_tiers.contains(&t) {
                    return Err(invalid("value_tier", FieldProblem::Format));
                }
                Some(t)
            }
            _ => None,
        };
        let p = self.profile;
        let a = p.address;
        let address = Address {
            country: opt_text("address.country", a.country, 100)?,
            province: opt_text("address.province", a.province, 100)?,
            city: opt_text("address.city", a.city, 100)?,
            district: opt_text("address.district", a.district, 100)?,
            street: opt_text("address.street", a.street, SHORT_TEXT)?,
            postal_code: opt_text("address.postal_code", a.postal_code, 20)?,
        };
        if let Some(b) = p.birthday
            && (b > ctx.today || b < NaiveDate::from_ymd_opt(1880, 1, 1).unwrap())
        {
            return Err(invalid("birthday", FieldProblem::Format));
        }
        let preferred_channel = opt_text("preferred_channel", p.preferred_channel, 20)?;
        if let Some(c) = &preferred_channel
            && (Channel::parse(c).is_none())
        {
            return Err(invalid("preferred_channel", FieldProblem::Format));
        }
        let language = opt_text("language", p.language, 35)?;
        if let Some(l) = &language
            && (!l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(invalid("language", FieldProblem::Format));
        }
        let contact_hours = opt_text("contact_hours", p.contact_hours, 11)?;
        if let Some(h) = &contact_hours
            && (!valid_hours(h))
        {
            return Err(invalid("contact_hours", FieldProblem::Format));
        }
        let mut custom = BTreeMap::new();
        for (k, v) in self.custom {
            let field = format!("custom.{k}");
            let def = ctx
                .fields
                .iter()
                .find(|d| d.key == k)
                .ok_or_else(|| invalid(field.clone(), FieldProblem::Format))?;
            let v = check_custom(def, &v).ok_or_else(|| invalid(field, FieldProblem::Format))?;
            if !Value::is_null(&v) {
                custom.insert(k, v);
            }
        }
        Ok(CustomerFields {
            name: validate::required("name", &self.name, SHORT_TEXT)?,
            phones,
            emails: emails_out,
            external_ids,
            organization: opt_text("organization", self.organization, SHORT_TEXT)?,
            tags: validate::list("tags", &self.tags)?,
            profile: Profile {
                address,
                birthday: p.birthday,
                preferred_channel,
                language,
                contact_hours,
                consent: p.consent,
            },
            value_tier,
            custom,
        })
    }

    fn of(m: &customer::Model) -> CustomerFields {
        CustomerFields {
            name: m.name.clone(),
            phones: serde_json::from_value(m.phones.clone()).unwrap_or_default(),
            emails: serde_json::from_value(m.emails.clone()).unwrap_or_default(),
            external_ids: serde_json::from_value(m.external_ids.clone()).unwrap_or_default(),
            organization: m.organization.clone(),
            tags: serde_json::from_value(m.tags.clone()).unwrap_or_default(),
            profile: m
                .profile
                .clone()
                .and_then(|p| serde_json::from_value(p).ok())
                .unwrap_or_default(),
            value_tier: m.value_tier.clone(),
            custom: m
                .custom
                .clone()
                .and_then(|p| serde_json::from_value(p).ok())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn write_to(self, m: &mut customer::Model) {
        m.name = self.name;
        m.phones = json!(self.phones);
        m.emails = json!(self.emails);
        m.external_ids = json!(self.external_ids);
        m.organization = self.organization;
        m.tags = json!(self.tags);
        m.profile = Some(json!(self.profile));
        m.value_tier = self.value_tier;
        m.custom = Some(json!(self.custom));
    }

    /// The identity index rows of these (validated) fields.
    pub(crate) fn identities(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = vec![];
        for p in &self.phones {
            out.push(("phone".into(), p.clone()));
        }
        for e in &self.emails {
            out.push(("email".into(), e.clone()));
        }
        for (k, v) in &self.external_ids {
            out.push((format!("ext:{k}"), v.clone()));
        }
        out.sort();
        out.dedup();
        out
    }

    /// Adds what `other` has and these fields lack (lists united, empty values filled).
    pub fn absorb(&mut self, other: CustomerFields) {
        fn union(a: &mut Vec<String>, b: Vec<String>) {
            for x in b {
                if !a.contains(&x) {
                    a.push(x);
                }
            }
        }
        union(&mut self.phones, other.phones);
        union(&mut self.emails, other.emails);
        union(&mut self.tags, other.tags);
        for (k, v) in other.external_ids {
            self.external_ids.entry(k).or_insert(v);
        }
        for (k, v) in other.custom {
            self.custom.entry(k).or_insert(v);
        }
        if self.organization.is_none() {
            self.organization = other.organization;
        }
        if self.value_tier.is_none() {
            self.value_tier = other.value_tier;
        }
        let (p, o) = (&mut self.profile, other.profile);
        let a = &mut p.address;
        macro_rules! fill {
            ($dst:expr, $src:expr) => {
                if $dst.is_none() {
                    $dst = $src;
                }
            };
        }
        fill!(a.country, o.address.country);
        fill!(a.province, o.address.province);
        fill!(a.city, o.address.city);
        fill!(a.district, o.address.district);
        fill!(a.street, o.address.street);
        fill!(a.postal_code, o.address.postal_code);
        fill!(p.birthday, o.birthday);
        fill!(p.preferred_channel, o.preferred_channel);
        fill!(p.language, o.language);
        fill!(p.contact_hours, o.contact_hours);
        p.consent.do_not_call |= o.consent.do_not_call;
        p.consent.do_not_email |= o.consent.do_not_email;
        p.consent.do_not_sms |= o.consent.do_not_sms;
    }
}

/// Reads the profile fields of a stored customer.
pub fn fields_of(m: &customer::Model) -> CustomerFields {
    CustomerFields::of(m)
}

/// Filters for the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// The start of a name, of any word or Chinese character of it, of its pinyin or of its
    /// pinyin initials (see [`crate::crm::name_search`]); or a phone, e-mail or external id
    /// (exact, after normalization).
    pub q: Option<String>,
    pub organization: Option<String>,
    pub tag: Option<String>,
    pub lifecycle: Option<String>,
    pub value_tier: Option<String>,
    pub owner_id: Option<String>,
    /// Only the customers of this segment (a segment of another workspace or none at all is
    /// an unknown reference).
    pub segment_id: Option<String>,
    /// How many matches a name search resolves to ids before it walks the list instead
    /// (default [`SEARCH_CANDIDATES`]); results are the same either way.
    pub max_candidates: Option<u64>,
}

pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A search resolves to at most this many customer ids before it switches to walking the
/// list (see `Store::search`).
pub const SEARCH_CANDIDATES: u64 = 100_000;

/// What a search selects: a list of ids (newest first), or a condition to walk the list with.
enum Search {
    Ids(Vec<String>),
    Walk(Condition),
}

/// One entry of a customer's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: chrono::DateTime<Utc>,
    /// `interaction`, `ticket`, `ticket_transition`, `note`, `lifecycle`, `owner`, `merged`.
    pub kind: String,
    /// The id of the interaction, ticket or customer event.
    pub id: String,
    pub ticket_id: Option<String>,
    pub title: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub body: Option<String>,
    pub actor_id: Option<String>,
}

/// A group of customers sharing a normalized phone, e-mail or external id.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateGroup {
    /// `phone`, `email` or `ext:<system>`.
    pub kind: String,
    pub value: String,
    pub customer_ids: Vec<String>,
}

/// Writes the identity rows of `customer_id`, replacing the old ones.
pub(crate) async fn write_identities<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    customer_id: &str,
    ids: Vec<(String, String)>,
    replace: bool,
) -> Result<()> {
    if replace {
        customer_identity::Entity::delete_many()
            .filter(customer_identity::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_identity::Column::CustomerId.eq(customer_id))
            .exec(conn)
            .await?;
    }
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids
        .into_iter()
        .map(|(kind, value)| customer_identity::ActiveModel {
            workspace_id: sea_orm::Set(scope.id().to_owned()),
            kind: sea_orm::Set(kind),
            value: sea_orm::Set(value),
            customer_id: sea_orm::Set(customer_id.to_owned()),
        });
    customer_identity::Entity::insert_many(rows)
        .exec(conn)
        .await?;
    Ok(())
}

/// A timeline event of `w`'s workspace, by `w`'s actor at `w`'s time.
fn event(
    w: &Write<'_>,
    customer_id: &str,
    kind: &str,
    from: Option<String>,
    to: Option<String>,
    body: &str,
) -> customer_event::Model {
    let (scope, actor, at) = (w.scope(), w.actor(), w.now());
    customer_event::Model {
        id: kefu_model::new_id().to_string(),
        workspace_id: scope.id().to_owned(),
        customer_id: customer_id.to_owned(),
        kind: kind.to_owned(),
        from_value: from,
        to_value: to,
        body: body.to_owned(),
        actor_id: actor.user_id.clone(),
        at,
    }
}

pub(crate) fn new_customer(
    scope: &WorkspaceScope,
    fields: CustomerFields,
    now: DateTime<Utc>,
) -> customer::Model {
    let mut model = customer::Model {
        id: kefu_model::new_id().to_string(),
        workspace_id: scope.id().to_owned(),
        name: String::new(),
        phones: Value::Null,
        emails: Value::Null,
        external_ids: Value::Null,
        organization: None,
        tags: Value::Null,
        profile: None,
        custom: None,
        lifecycle: "prospect".into(),
        value_tier: None,
        owner_id: None,
        merged_into: None,
        created_at: now,
        updated_at: now,
        rfm_last_contact_at: None,
        rfm_frequency: 0,
        rfm_monetary: 0.0,
        rfm_cell: 111,
    };
    fields.write_to(&mut model);
    model
}

fn check_stage(stage: &str) -> Result<()> {
    if LIFECYCLE_STAGES.contains(&stage) {
        Ok(())
    } else {
        Err(invalid("stage", FieldProblem::Format))
    }
}

impl Store {
    /// The CRM settings and custom field definitions of the workspace.
    pub async fn crm_context(&self, scope: &WorkspaceScope) -> Result<CrmContext> {
        let s = crm_setting::Entity::find_by_id(scope.id().to_owned())
            .one(self.db())
            .await?;
        let fields = custom_field_def::Entity::find()
            .filter(custom_field_def::Column::WorkspaceId.eq(scope.id()))
            .order_by_asc(custom_field_def::Column::Key)
            .all(self.db())
            .await?;
        Ok(match s {
            Some(s) => CrmContext {
                today: self.now().date_naive(),
                default_region: s.default_region,
                value_tiers: serde_json::from_value(s.value_tiers).unwrap_or_default(),
                fields,
            },
            None => CrmContext {
                today: self.now().date_naive(),
                default_region: "CN".into(),
                value_tiers: DEFAULT_TIERS.iter().map(|s| s.to_string()).collect(),
                fields,
            },
        })
    }

    /// Sets the default phone region and the value tiers of the workspace.
    pub async fn set_crm_settings(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        default_region: &str,
        value_tiers: Vec<String>,
    ) -> Result<()> {
        if !phone::known_region(default_region) {
            return Err(invalid("default_region", FieldProblem::Format));
        }
        let tiers = validate::list("value_tiers", &value_tiers)?;
        if tiers.is_empty() {
            return Err(invalid("value_tiers", FieldProblem::Empty));
        }
        let txn = self.write(scope, actor).await?;
        let before = crm_setting::Entity::find_by_id(scope.id().to_owned())
            .one(&txn)
            .await?;
        let row = crm_setting::Model {
            workspace_id: scope.id().to_owned(),
            default_region: default_region.to_owned(),
            value_tiers: json!(tiers),
        };
        if before.is_some() {
            row.clone()
                .into_active_model()
                .reset_all()
                .update(&txn)
                .await?;
        } else {
            row.clone()
                .into_active_model()
                .reset_all()
                .insert(&txn)
                .await?;
        }
        let change = Change {
            action: "updated",
            entity_type: "crm_settings",
            entity_id: scope.id(),
            before: before.map(|b| json!(b)),
            after: Some(json!(row)),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Defines a custom customer field.
    pub async fn create_custom_field(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        key: &str,
        label: &str,
        field_type: &str,
        choices: Vec<String>,
    ) -> Result<custom_field_def::Model> {
        let key = validate::required("key", key, 64)?;
        if !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(invalid("key", FieldProblem::Format));
        }
        if !FIELD_TYPES.contains(&field_type) {
            return Err(invalid("field_type", FieldProblem::Format));
        }
        let choices = validate::list("choices", &choices)?;
        if field_type.ends_with("choice") && choices.is_empty() {
            return Err(invalid("choices", FieldProblem::Empty));
        }
        let m = custom_field_def::Model {
            id: kefu_model::new_id().to_string(),
            workspace_id: scope.id().to_owned(),
            key,
            label: validate::required("label", label, SHORT_TEXT)?,
            field_type: field_type.to_owned(),
            choices: json!(choices),
            created_at: self.now(),
        };
        crate::write::insert_audited::<custom_field_def::ActiveModel>(
            self,
            scope,
            actor,
            m,
            Some("custom_field_exists"),
        )
        .await
    }

    pub async fn create_customer(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        fields: CustomerFields,
    ) -> Result<customer::Model> {
        let ctx = self.crm_context(scope).await?;
        let fields = fields.validated(&ctx)?;
        let ids = fields.identities();
        let model = new_customer(scope, fields, self.now());
        let txn = self.write(scope, actor).await?;
        let saved = model
            .clone()
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        write_identities(&txn, scope, &saved.id, ids, false).await?;
        crate::crm::name_search::write(&txn, scope.id(), &saved.id, &saved.name).await?;
        let change = Change {
            action: "created",
            entity_type: "customer",
            entity_id: &saved.id,
            before: None,
            after: Some(saved.snapshot()),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// The customer `id`, even if merged (see `merged_into`).
    pub async fn get_customer(&self, scope: &WorkspaceScope, id: &str) -> Result<customer::Model> {
        find_scoped::<customer::Entity, _>(self.db(), scope, id).await
    }

    /// What a search text selects: customers with a phone, e-mail or external id equal to it
    /// (normalized; an index seek on `customer_identities`), or — unless it is a phone number
    /// or an e-mail address — a name key starting with it (a range seek on
    /// `customer_name_keys`; see [`crate::crm::name_search`]). Up to [`SEARCH_CANDIDATES`]
    /// matches this is the list of their ids; when a short prefix matches more (so at least
    /// one customer in `customers / SEARCH_CANDIDATES`), a condition under which the list
    /// walks customers newest first and checks each against the keys, ending as soon as a
    /// page is full.
    async fn search(&self, scope: &WorkspaceScope, q: &str, cap: u64) -> Result<Search> {
        use crate::crm::name_search::{prefix_end, query_key};
        use crate::entity::customer_name_key;
        let region = self.crm_context(scope).await?.default_region;
        let mut values = vec![q.to_owned()];
        if q.to_lowercase() != q {
            values.push(q.to_lowercase());
        }
        let as_phone = phone::normalize(q, &region);
        let by_name = as_phone.is_none() && !q.contains('@');
        if let Some(p) = as_phone {
            values.push(p);
        }
        let mut ids: Vec<String> = customer_identity::Entity::find()
            .select_only()
            .column(customer_identity::Column::CustomerId)
            .filter(customer_identity::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_identity::Column::Value.is_in(values))
            .limit(cap)
            .into_tuple()
            .all(self.db())
            .await?;
        if let Some(key) = query_key(q).filter(|_| by_name) {
            let end = prefix_end(&key);
            let matching = || {
                customer_name_key::Entity::find()
                    .select_only()
                    .column(customer_name_key::Column::CustomerId)
                    .filter(customer_name_key::Column::WorkspaceId.eq(scope.id()))
                    .filter(customer_name_key::Column::Key.gte(key.as_str()))
                    .filter(customer_name_key::Column::Key.lt(end.as_str()))
            };
            // Counting in the index first keeps a very broad prefix from loading its ids.
            let n = matching().limit(cap + 1).count(self.db()).await?;
            if n > cap {
                use sea_orm::sea_query::{Alias, Query};
                let k = Alias::new("customer_name_keys");
                let keys = Query::select()
                    .expr(Expr::val(1))
                    .from(k.clone())
                    .and_where(
                        Expr::col((k.clone(), Alias::new("workspace_id")))
                            .equals((customer::Entity, customer::Column::WorkspaceId)),
                    )
                    .and_where(
                        Expr::col((k.clone(), Alias::new("customer_id")))
                            .equals((customer::Entity, customer::Column::Id)),
                    )
                    .and_where(Expr::col((k.clone(), Alias::new("key"))).gte(key.as_str()))
                    .and_where(Expr::col((k, Alias::new("key"))).lt(end.as_str()))
                    .to_owned();
                return Ok(Search::Walk(
                    Condition::any()
                        .add(Expr::exists(keys))
                        .add(customer::Column::Id.is_in(ids)),
                ));
            }
            let found: Vec<String> = matching().into_tuple().all(self.db()).await?;
            ids.extend(found);
        }
        ids.sort_by(|a, b| b.cmp(a));
        ids.dedup();
        Ok(Search::Ids(ids))
    }

    pub async fn list_customers(
        &self,
        scope: &WorkspaceScope,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<customer::Model>> {
        let mut cond = Condition::all().add(customer::Column::MergedInto.is_null());
        let mut ids = None;
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let cap = Ord::max(filter.max_candidates.unwrap_or(SEARCH_CANDIDATES), 1);
            match self.search(scope, q, cap).await? {
                Search::Ids(v) => ids = Some(v),
                Search::Walk(c) => cond = cond.add(c),
            }
        }
        if let Some(o) = &filter.organization {
            cond = cond.add(customer::Column::Organization.eq(o.as_str()));
        }
        if let Some(t) = &filter.tag {
            let pattern = format!("%{}%", like_escape(&json!(t).to_string()));
            cond = cond.add(
                Expr::expr(Expr::col(customer::Column::Tags).cast_as("text"))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            );
        }
        if let Some(l) = &filter.lifecycle {
            cond = cond.add(customer::Column::Lifecycle.eq(l.as_str()));
        }
        if let Some(t) = &filter.value_tier {
            cond = cond.add(customer::Column::ValueTier.eq(t.as_str()));
        }
        if let Some(o) = &filter.owner_id {
            cond = cond.add(customer::Column::OwnerId.eq(o.as_str()));
        }
        if let Some(sid) = &filter.segment_id {
            cond = cond.add(match self.segment_condition(scope, sid).await {
                Err(StoreError::NotFound) => {
                    return Err(StoreError::UnknownReference { field: "segment" });
                }
                c => c?,
            });
        }
        match ids {
            Some(ids) => self.list_among(scope, cond, ids, page).await,
            None => list_scoped::<customer::Entity>(self, scope, cond, page).await,
        }
    }

    /// A page of the customers among `ids` (newest first) that meet `cond`: the ids after
    /// the cursor are looked up a chunk at a time (primary key seeks) until the page is full.
    async fn list_among(
        &self,
        scope: &WorkspaceScope,
        cond: Condition,
        mut ids: Vec<String>,
        page: &PageRequest,
    ) -> Result<Page<customer::Model>> {
        if let Some(after) = page.after()? {
            ids.retain(|id| *id < after);
        }
        let limit = page.limit();
        let mut rows: Vec<customer::Model> = vec![];
        for chunk in ids.chunks(500) {
            let need = limit + 1 - rows.len() as u64;
            rows.extend(
                customer::Entity::find()
                    .filter(customer::Column::WorkspaceId.eq(scope.id()))
                    .filter(cond.clone())
                    .filter(customer::Column::Id.is_in(chunk.iter().map(String::as_str)))
                    .order_by_desc(customer::Column::Id)
                    .limit(need)
                    .all(self.db())
                    .await?,
            );
            if rows.len() as u64 > limit {
                break;
            }
        }
        Ok(crate::page::page_of(rows, limit, |r| r.id.clone()))
    }

    /// Customers having the phone, e-mail or external id `value` (normalized).
    pub async fn find_by_identity(
        &self,
        scope: &WorkspaceScope,
        kind: &str,
        value: &str,
    ) -> Result<Vec<String>> {
        Ok(customer_identity::Entity::find()
            .select_only()
            .column(customer_identity::Column::CustomerId)
            .filter(customer_identity::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_identity::Column::Kind.eq(kind))
            .filter(customer_identity::Column::Value.eq(value))
            .into_tuple()
            .all(self.db())
            .await?)
    }

    pub async fn update_customer(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        apply: impl FnOnce(&mut CustomerFields),
    ) -> Result<customer::Model> {
        let ctx = self.crm_context(scope).await?;
        let txn = self.write(scope, actor).await?;
        let current = find_scoped::<customer::Entity, _>(&txn, scope, id).await?;
        if current.merged_into.is_some() {
            return Err(StoreError::conflict(
                "customer_merged",
                "this customer was merged into another",
            ));
        }
        let mut f = CustomerFields::of(&current);
        apply(&mut f);
        let f = f.validated(&ctx)?;
        let ids = f.identities();
        let mut next = current.clone();
        f.write_to(&mut next);
        next.updated_at = txn.now();
        let saved = next
            .clone()
            .into_active_model()
            .reset_all()
            .update(&txn)
            .await?;
        write_identities(&txn, scope, id, ids, true).await?;
        if saved.name != current.name {
            crate::crm::name_search::write(&txn, scope.id(), id, &saved.name).await?;
        }
        let change = Change {
            action: "updated",
            entity_type: "customer",
            entity_id: id,
            before: Some(current.snapshot()),
            after: Some(saved.snapshot()),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Moves the customer to lifecycle `stage`, recording who, why and from where.
    pub async fn set_lifecycle(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        stage: &str,
        reason: &str,
    ) -> Result<customer::Model> {
        check_stage(stage)?;
        let reason = validate::optional("reason", reason, SHORT_TEXT)?.to_owned();
        self.change_customer(scope, actor, id, "lifecycle_changed", |c| {
            let from = std::mem::replace(&mut c.lifecycle, stage.to_owned());
            (from != stage).then(|| ("lifecycle", Some(from), Some(stage.to_owned()), reason))
        })
        .await
    }

    /// Sets (or clears) the customer's owner (认养), recording the change.
    pub async fn set_owner(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        owner_id: Option<&str>,
        reason: &str,
    ) -> Result<customer::Model> {
        crate::write::check_ref::<user::Entity>(self, scope, "owner_id", owner_id).await?;
        let reason = validate::optional("reason", reason, SHORT_TEXT)?.to_owned();
        let owner = owner_id.map(str::to_owned);
        self.change_customer(scope, actor, id, "owner_changed", |c| {
            let from = std::mem::replace(&mut c.owner_id, owner.clone());
            (from != owner).then_some(("owner", from, owner, reason))
        })
        .await
    }

    /// Adds a note to the customer's timeline.
    pub async fn add_customer_note(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        body: &str,
    ) -> Result<customer_event::Model> {
        let body = validate::required("body", body, validate::LONG_TEXT)?;
        let txn = self.write(scope, actor).await?;
        let c = find_scoped::<customer::Entity, _>(&txn, scope, id).await?;
        if c.merged_into.is_some() {
            return Err(StoreError::conflict(
                "customer_merged",
                "this customer was merged into another",
            ));
        }
        let e = event(&txn, id, "note", None, None, &body);
        e.clone()
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        let change = Change {
            action: "note_added",
            entity_type: "customer",
            entity_id: id,
            before: None,
            after: Some(json!(e)),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(e)
    }

    /// Applies `f` to the customer; when it returns an event (kind, from, to, reason), writes
    /// the customer, the event and the audit row in one transaction. No change: no write.
    async fn change_customer<F>(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        action: &str,
        f: F,
    ) -> Result<customer::Model>
    where
        F: FnOnce(
            &mut customer::Model,
        ) -> Option<(&'static str, Option<String>, Option<String>, String)>,
    {
        let txn = self.write(scope, actor).await?;
        let current = find_scoped::<customer::Entity, _>(&txn, scope, id).await?;
        if current.merged_into.is_some() {
            return Err(StoreError::conflict(
                "customer_merged",
                "this customer was merged into another",
            ));
        }
        let mut next = current.clone();
        let Some((kind, from, to, reason)) = f(&mut next) else {
            return Ok(current);
        };
        next.updated_at = txn.now();
        let saved = next.into_active_model().reset_all().update(&txn).await?;
        event(&txn, id, kind, from, to, &reason)
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        let mut after = saved.snapshot();
        after["reason"] = json!(reason);
        let change = Change {
            action,
            entity_type: "customer",
            entity_id: id,
            before: Some(current.snapshot()),
            after: Some(after),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Assigns the customers in `stages` (e.g. at_risk, lost) to `owners` in turn, for
    /// win-back; only those without an owner unless `reassign`. Returns how many changed.
    pub async fn bulk_assign_owners(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        stages: &[String],
        owners: &[String],
        reassign: bool,
        limit: u64,
    ) -> Result<u64> {
        for s in stages {
            check_stage(s)?;
        }
        if stages.is_empty() {
            return Err(invalid("stages", FieldProblem::Empty));
        }
        if owners.is_empty() {
            return Err(invalid("owners", FieldProblem::Empty));
        }
        for o in owners {
            crate::write::check_ref::<user::Entity>(self, scope, "owners", Some(o)).await?;
        }
        let txn = self.write(scope, actor).await?;
        let mut q = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(scope.id()))
            .filter(customer::Column::MergedInto.is_null())
            .filter(customer::Column::Lifecycle.is_in(stages.iter().map(String::as_str)));
        if !reassign {
            q = q.filter(customer::Column::OwnerId.is_null());
        }
        let rows = q
            .order_by_asc(customer::Column::Id)
            .limit(limit)
            .all(&txn)
            .await?;
        let mut n = 0;
        for (i, c) in rows.into_iter().enumerate() {
            let owner = owners[i % owners.len()].clone();
            if c.owner_id.as_deref() == Some(owner.as_str()) {
                continue;
            }
            let mut next = c.clone();
            next.owner_id = Some(owner.clone());
            next.updated_at = txn.now();
            let saved = next.into_active_model().reset_all().update(&txn).await?;
            event(
                &txn,
                &c.id,
                "owner",
                c.owner_id.clone(),
                Some(owner),
                "win-back",
            )
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
            let change = Change {
                action: "owner_changed",
                entity_type: "customer",
                entity_id: &c.id,
                before: Some(c.snapshot()),
                after: Some(saved.snapshot()),
            };
            txn.record(change).await?;
            n += 1;
        }
        txn.commit().await?;
        Ok(n)
    }

    /// Groups of live customers sharing a normalized phone, e-mail or external id.
    pub async fn customer_duplicates(
        &self,
        scope: &WorkspaceScope,
        limit: u64,
    ) -> Result<Vec<DuplicateGroup>> {
        use customer_identity::Column as C;
        let keys: Vec<(String, String, i64)> = customer_identity::Entity::find()
            .select_only()
            .column(C::Kind)
            .column(C::Value)
            .column_as(C::CustomerId.count(), "n")
            .filter(C::WorkspaceId.eq(scope.id()))
            .group_by(C::Kind)
            .group_by(C::Value)
            .having(C::CustomerId.count().gt(1))
            .order_by_asc(C::Kind)
            .order_by_asc(C::Value)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut out = vec![];
        for (kind, value, _) in keys {
            let ids: Vec<String> = customer_identity::Entity::find()
                .select_only()
                .column(C::CustomerId)
                .filter(C::WorkspaceId.eq(scope.id()))
                .filter(C::Kind.eq(&kind))
                .filter(C::Value.eq(&value))
                .order_by_asc(C::CustomerId)
                .into_tuple()
                .all(self.db())
                .await?;
            out.push(DuplicateGroup {
                kind,
                value,
                customer_ids: ids,
            });
        }
        Ok(out)
    }

    /// Merges the customers `from` into `id`: their tickets, interactions and events move to
    /// the survivor, their fields are united into it, and each keeps a redirect
    /// (`merged_into`). One transaction, audited for every record.
    pub async fn merge_customers(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
        from: &[String],
    ) -> Result<customer::Model> {
        if from.is_empty() {
            return Err(invalid("from", FieldProblem::Empty));
        }
        if from.len() > validate::MAX_ITEMS {
            return Err(invalid("from", FieldProblem::TooMany));
        }
        let ctx = self.crm_context(scope).await?;
        let txn = self.write(scope, actor).await?;
        let survivor = find_scoped::<customer::Entity, _>(&txn, scope, id).await?;
        if survivor.merged_into.is_some() {
            return Err(StoreError::conflict(
                "customer_merged",
                "the survivor was itself merged into another customer",
            ));
        }
        let mut fields = CustomerFields::of(&survivor);
        let mut merged = vec![];
        for f in from {
            if f == id {
                return Err(invalid("from", FieldProblem::Format));
            }
            let m = match find_scoped::<customer::Entity, _>(&txn, scope, f).await {
                Ok(m) => m,
                Err(StoreError::NotFound) => {
                    return Err(StoreError::UnknownReference { field: "from" });
                }
                Err(e) => return Err(e),
            };
            if m.merged_into.is_some() {
                return Err(StoreError::conflict(
                    "customer_merged",
                    format!("customer {f} was already merged"),
                ));
            }
            if !merged.iter().any(|x: &customer::Model| x.id == m.id) {
                fields.absorb(CustomerFields::of(&m));
                merged.push(m);
            }
        }
        let fields = fields.validated(&ctx)?;
        let ids = fields.identities();
        let mut next = survivor.clone();
        fields.write_to(&mut next);
        if next.owner_id.is_none() {
            next.owner_id = merged.iter().find_map(|m| m.owner_id.clone());
        }
        next.updated_at = txn.now();
        let saved = next.into_active_model().reset_all().update(&txn).await?;
        let old: Vec<String> = merged.iter().map(|m| m.id.clone()).collect();
        // Everything that pointed at a merged record now points at the survivor, including
        // earlier redirects to the merged records.
        for (table, column) in [
            ("tickets", "customer_id"),
            ("interactions", "customer_id"),
            ("customer_events", "customer_id"),
            ("customers", "merged_into"),
        ] {
            repoint(&txn, scope, table, column, &old, id).await?;
        }
        customer_identity::Entity::delete_many()
            .filter(customer_identity::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_identity::Column::CustomerId.is_in(old.clone()))
            .exec(&txn)
            .await?;
        write_identities(&txn, scope, id, ids, true).await?;
        crate::crm::name_search::delete(&txn, scope.id(), old.clone()).await?;
        for m in &merged {
            let mut gone = m.clone();
            gone.merged_into = Some(id.to_owned());
            gone.updated_at = txn.now();
            let gone = gone.into_active_model().reset_all().update(&txn).await?;
            let change = Change {
                action: "merged_into",
                entity_type: "customer",
                entity_id: &m.id,
                before: Some(m.snapshot()),
                after: Some(gone.snapshot()),
            };
            txn.record(change).await?;
        }
        let body = old.join(", ");
        event(&txn, id, "merged", None, None, &body)
            .into_active_model()
            .reset_all()
            .insert(&txn)
            .await?;
        let mut after = saved.snapshot();
        after["merged_from"] = json!(old);
        let change = Change {
            action: "merged",
            entity_type: "customer",
            entity_id: id,
            before: Some(survivor.snapshot()),
            after: Some(after),
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(saved)
    }

    /// Deletes a customer that no ticket or interaction refers to.
    pub async fn delete_customer(
        &self,
        scope: &WorkspaceScope,
        actor: &Actor,
        id: &str,
    ) -> Result<()> {
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::WorkspaceId.eq(scope.id()))
            .filter(ticket::Column::CustomerId.eq(id))
            .count(self.db())
            .await?;
        let interactions = interaction::Entity::find()
            .filter(interaction::Column::WorkspaceId.eq(scope.id()))
            .filter(interaction::Column::CustomerId.eq(id))
            .count(self.db())
            .await?;
        if tickets + interactions > 0 {
            return Err(StoreError::conflict(
                "customer_in_use",
                format!("{tickets} tickets and {interactions} interactions refer to this customer"),
            ));
        }
        let txn = self.write(scope, actor).await?;
        let current = find_scoped::<customer::Entity, _>(&txn, scope, id).await?;
        customer_identity::Entity::delete_many()
            .filter(customer_identity::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_identity::Column::CustomerId.eq(id))
            .exec(&txn)
            .await?;
        customer_event::Entity::delete_many()
            .filter(customer_event::Column::WorkspaceId.eq(scope.id()))
            .filter(customer_event::Column::CustomerId.eq(id))
            .exec(&txn)
            .await?;
        crate::crm::name_search::delete(&txn, scope.id(), vec![id.to_owned()]).await?;
        customer::Entity::delete_by_id(id.to_owned())
            .exec(&txn)
            .await?;
        let change = Change {
            action: "deleted",
            entity_type: "customer",
            entity_id: id,
            before: Some(current.snapshot()),
            after: None,
        };
        txn.record(change).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Sets `table.column` to `to` on the rows of `scope` where it is one of `old`.
async fn repoint<C: ConnectionTrait>(
    conn: &C,
    scope: &WorkspaceScope,
    table: &str,
    column: &str,
    old: &[String],
    to: &str,
) -> Result<()> {
    use sea_orm::sea_query::{Alias, Query};
    let stmt = Query::update()
        .table(Alias::new(table))
        .value(Alias::new(column), to)
        .and_where(Expr::col(Alias::new("workspace_id")).eq(scope.id()))
        .and_where(Expr::col(Alias::new(column)).is_in(old.iter().cloned()))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}
