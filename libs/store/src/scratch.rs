//! A database made for one test or one benchmark run, and dropped when it
//! ends: every test crate's one way to get an empty PostgreSQL database.
//! A test that fails keeps its database, and says which, for a look.

use crate::{Store, StoreError};
use baohan_config::Database;

/// The database, until dropped.
#[derive(Debug)]
pub struct Scratch {
    name: String,
    /// The settings the database was made from (their own database is the
    /// one the drop connects to).
    admin: Database,
}

impl Scratch {
    /// Creates `{prefix}_{tag}` beside the database `admin` names, and
    /// returns it with the settings that point at it.
    pub async fn create(
        admin: &Database,
        prefix: &str,
        tag: &str,
    ) -> Result<(Scratch, Database), StoreError> {
        let name = format!("{prefix}_{tag}");
        Store::connect(admin)?
            .client()
            .await?
            .batch_execute(&format!("create database {name}"))
            .await?;
        let base = admin
            .url
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or_default();
        let mut settings = admin.clone();
        settings.url = format!("{base}/{name}");
        Ok((
            Scratch {
                name,
                admin: admin.clone(),
            },
            settings,
        ))
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept database {} of a failed test", self.name);
            return;
        }
        // Drop cannot await: a thread of its own with a runtime of its own,
        // waited for, so the database is gone when the test is.
        let (name, admin) = (self.name.clone(), self.admin.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let store = Store::connect(&admin).map_err(|e| e.to_string())?;
                let client = store.client().await.map_err(|e| e.to_string())?;
                client
                    .batch_execute(&format!("drop database if exists {name} with (force)"))
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("database {} not dropped: {e}", self.name),
            Err(_) => eprintln!("database {} not dropped", self.name),
        }
    }
}
