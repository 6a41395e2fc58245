//! Where the data lives: `--data-dir` (embedded SQLite, the default) or `--database-url`.

use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// Data directory for the embedded SQLite database.
    #[arg(long, env = "KEFU_DATA_DIR", default_value = "kefu-data")]
    pub data_dir: PathBuf,
    /// Database URL (`postgres://…`); overrides --data-dir.
    #[arg(long, env = "KEFU_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// The database URL, creating the data directory when SQLite is used.
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
        let path = self.data_dir.join("kefu.sqlite3");
        Ok(format!("sqlite://{}?mode=rwc", path.display()))
    }

    /// A human description without credentials.
    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(url) => url
                .split('@')
                .next_back()
                .map_or_else(String::new, |h| format!("postgres {h}")),
            None => format!("sqlite in {}", self.data_dir.display()),
        }
    }

    /// The flags that select this database, to repeat in hints.
    pub fn cli_flags(&self) -> String {
        match &self.database_url {
            Some(_) => "--database-url URL".into(),
            None => format!("--data-dir {}", self.data_dir.display()),
        }
    }
}
