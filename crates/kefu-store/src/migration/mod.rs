//! Schema migrations, written with sea-query's schema builder so they run unchanged on
//! SQLite and PostgreSQL; one file per migration, applied in the order of
//! [`Migrator::migrations`] at start by [`crate::Store::connect`].

mod crm;
mod crm_rfm;
mod crm_rfm_cells;
mod crm_search;
mod foundation;
pub(crate) mod kpi_buckets;
mod kpi_deltas;
mod report_settings;
mod ticket_sla_notify;
mod ticket_workflow;

use sea_orm_migration::prelude::*;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(foundation::Foundation),
            Box::new(ticket_workflow::TicketWorkflow),
            Box::new(kpi_buckets::KpiBuckets),
            Box::new(crm::Crm),
            Box::new(ticket_sla_notify::TicketSlaNotify),
            Box::new(report_settings::ReportSettings),
            Box::new(kpi_deltas::KpiDeltas),
            Box::new(crm_search::CrmSearch),
            Box::new(crm_rfm::CrmRfm),
            Box::new(crm_rfm_cells::CrmRfmCells),
        ]
    }
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
