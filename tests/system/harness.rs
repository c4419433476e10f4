//! What every system test starts from: settings pointed at a fresh
//! database and a broker prefix of its own.

use baohan_config::Settings;
use baohan_store::Store;
use std::path::PathBuf;
use uuid::Uuid;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The local settings, with a database and a broker prefix made for one
/// test. The database is created empty; `migrate` is the caller's to run.
pub async fn settings() -> Settings {
    let mut settings = Settings::load_with_env(&repo().join("config/local.toml"), [])
        .expect("config/local.toml loads");
    let tag = Uuid::new_v4().simple().to_string()[..12].to_owned();
    let name = format!("baohan_t_{tag}");
    let admin = Store::connect(&settings.database).unwrap();
    admin
        .client()
        .await
        .expect("PostgreSQL is up: run deploy/local/servers.sh up")
        .batch_execute(&format!("create database {name}"))
        .await
        .unwrap();
    let base = settings.database.url.rsplit_once('/').unwrap().0.to_owned();
    settings.database.url = format!("{base}/{name}");
    settings.broker.prefix = format!("t{tag}");
    settings
}

/// A fresh, migrated store.
pub async fn store() -> Store {
    let store = Store::connect(&settings().await.database).unwrap();
    baohan_store::migrate::migrate(&store).await.unwrap();
    store
}
