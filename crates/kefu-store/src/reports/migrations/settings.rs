//! Report settings per workspace: the configured costs for cost per contact (平均单呼成本),
//! kept as one JSON document (validated by the server) per workspace.

use crate::migration::a;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct ReportSettings;

impl MigrationName for ReportSettings {
    fn name(&self) -> &str {
        "m20261123_000201_report_settings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReportSettings {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("report_settings"))
                .col(string_len(a("workspace_id"), 36).primary_key())
                .col(text(a("costs")))
                .col(big_integer(a("updated_at")))
                .to_owned(),
        )
        .await
    }
}
