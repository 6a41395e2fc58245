//! Schema migrations, written with sea-query's schema builder so they run unchanged on
//! SQLite and PostgreSQL; one file per migration (in its domain's `migrations/` folder), applied in the order of
//! [`Migrator::migrations`] at start by [`crate::Store::connect`].

mod foundation;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(foundation::Foundation),
            Box::new(crate::tickets::migrations::workflow::TicketWorkflow),
            Box::new(crate::reports::migrations::kpi_buckets::KpiBuckets),
            Box::new(crate::crm::migrations::profile::Crm),
            Box::new(crate::tickets::migrations::sla_notify::TicketSlaNotify),
            Box::new(crate::reports::migrations::settings::ReportSettings),
            Box::new(crate::reports::migrations::kpi_deltas::KpiDeltas),
            Box::new(crate::crm::migrations::search::CrmSearch),
            Box::new(crate::crm::migrations::rfm::CrmRfm),
            Box::new(crate::crm::migrations::rfm_cells::CrmRfmCells),
            Box::new(crate::live::migrations::center::LiveCenter),
        ]
    }
}

/// A 36-character id column (UUID text), not null.
pub(crate) fn id_col(name: &str) -> ColumnDef {
    schema::string_len(a(name), 36)
}

/// A 36-character id column that may be null.
pub(crate) fn id_null(name: &str) -> ColumnDef {
    schema::string_len_null(a(name), 36)
}

/// A timestamp-with-time-zone column, not null.
pub(crate) fn ts(name: &str) -> ColumnDef {
    schema::timestamp_with_time_zone(a(name))
}

/// A timestamp-with-time-zone column that may be null.
pub(crate) fn ts_null(name: &str) -> ColumnDef {
    schema::timestamp_with_time_zone_null(a(name))
}

/// `CREATE TABLE name (cols…)`.
pub(crate) fn table(name: &str, cols: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(a(name));
    for mut c in cols {
        t.col(&mut c);
    }
    t.to_owned()
}

/// A table or column name.
pub(crate) fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// An index on `table(cols…)`.
pub(crate) fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(a(table));
    for c in cols {
        i.col(a(c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}
