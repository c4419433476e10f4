//! Where settings come from, in order: the TOML file, then `BAOHAN_…`
//! environment overrides, then `*_file` keys, whose file contents replace
//! them (how Kubernetes mounts Secrets).

use crate::ConfigError;
use std::path::Path;
use toml::{Table, Value};

/// Prefix of environment overrides. `BAOHAN_DATABASE__POOL_SIZE=32` sets
/// `database.pool_size`; `BAOHAN_PLATFORMS__ELY_DEMO__APPSECRET_FILE=…`
/// sets `appsecret_file` on the platform whose id is `ely-demo`.
pub const ENV_PREFIX: &str = "BAOHAN_";

/// Variables that name the config itself or belong to tools, not keys.
/// The ports are deploy/local/servers.sh's.
const NOT_KEYS: &[&str] = &[
    "BAOHAN_CONFIG",
    "BAOHAN_SHARED_DIR",
    "BAOHAN_LOCAL_DIR",
    "BAOHAN_PG_PORT",
    "BAOHAN_AMQP_PORT",
    "BAOHAN_RMQ_MGMT_PORT",
    "BAOHAN_RMQ_PROM_PORT",
    "BAOHAN_RMQ_STREAM_PORT",
];

pub fn read_file(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(path, "", format!("cannot read: {e}")))?;
    text.parse::<Table>()
        .map_err(|e| ConfigError::new(path, "", format!("not valid TOML: {e}")))
}

/// Applies every `BAOHAN_…` variable in `vars` to `table`.
pub fn apply_env(
    table: &mut Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let mut vars: Vec<_> = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !NOT_KEYS.contains(&k.as_str()))
        .collect();
    vars.sort();
    for (name, value) in vars {
        let path: Vec<String> = name[ENV_PREFIX.len()..]
            .split("__")
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let origin = format!("environment variable {name}");
        set_path(table, &path, &value).map_err(|reason| ConfigError {
            origin: origin.clone(),
            key: path.join("."),
            reason,
        })?;
    }
    Ok(())
}

fn set_path(table: &mut Table, path: &[String], raw: &str) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty key".into());
    };
    if last.is_empty() || parents.iter().any(String::is_empty) {
        return Err("empty key segment".into());
    }
    let mut here = table;
    let mut i = 0;
    while i < parents.len() {
        let segment = &parents[i];
        let entry = here
            .entry(segment.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        here = match entry {
            Value::Table(t) => t,
            // Arrays of tables (the platforms) are addressed by their `id`,
            // written as an environment name: `ely-demo` is `ELY_DEMO`.
            Value::Array(items) => {
                let Some(id) = parents.get(i + 1) else {
                    return Err(format!("{segment} is a list: name an element by its id"));
                };
                i += 1;
                items
                    .iter_mut()
                    .filter_map(Value::as_table_mut)
                    .find(|t| {
                        t.get("id")
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.replace('-', "_").eq_ignore_ascii_case(id))
                    })
                    .ok_or_else(|| format!("no element of {segment} has id {id}"))?
            }
            _ => return Err(format!("{segment} is not a table")),
        };
        i += 1;
    }
    let value = coerce(here.get(last.as_str()), raw)?;
    here.insert(last.clone(), value);
    Ok(())
}

/// An override takes the type of the value it replaces. A key absent from
/// the file takes the TOML type its text has (`32`, `true`, `[1, 2]`) and is
/// a string otherwise; quote it (`'"0032"'`) to force a string.
fn coerce(existing: Option<&Value>, raw: &str) -> Result<Value, String> {
    let literal = || {
        format!("v = {raw}")
            .parse::<Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
    };
    match existing {
        Some(Value::String(_)) => Ok(Value::String(raw.to_owned())),
        Some(Value::Integer(_)) => raw
            .trim()
            .parse()
            .map(Value::Integer)
            .map_err(|_| format!("{raw:?} is not an integer")),
        Some(Value::Boolean(_)) => raw
            .trim()
            .parse()
            .map(Value::Boolean)
            .map_err(|_| format!("{raw:?} is not true or false")),
        Some(other) => literal()
            .filter(|v| v.same_type(other))
            .ok_or_else(|| format!("{raw:?} is not a TOML {}", other.type_str())),
        None => Ok(literal().unwrap_or_else(|| Value::String(raw.to_owned()))),
    }
}

/// Replaces every `name_file = "path"` in `table`, at any depth, with
/// `name = "<contents of path>"`, trailing newline removed. Setting both
/// `name` and `name_file` is an error: which one wins would be a guess.
pub fn resolve_files(table: &mut Table, origin: &Path, prefix: &str) -> Result<(), ConfigError> {
    let keys: Vec<String> = table.keys().cloned().collect();
    for key in keys {
        let here = join(prefix, &key);
        match table.get_mut(&key) {
            Some(Value::Table(inner)) => resolve_files(inner, origin, &here)?,
            Some(Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Table(inner) = item {
                        resolve_files(inner, origin, &format!("{here}[{i}]"))?;
                    }
                }
            }
            _ => {}
        }
        let Some(name) = key.strip_suffix("_file") else {
            continue;
        };
        if table.contains_key(name) {
            return Err(ConfigError::new(
                origin,
                &here,
                format!("set either {name} or {key}, not both"),
            ));
        }
        let Some(Value::String(path)) = table.remove(&key) else {
            return Err(ConfigError::new(origin, &here, "must be a file path"));
        };
        let contents = std::fs::read_to_string(&path)
            .map_err(|e| ConfigError::new(origin, &here, format!("cannot read {path}: {e}")))?;
        let contents = contents.strip_suffix('\n').unwrap_or(&contents);
        let contents = contents.strip_suffix('\r').unwrap_or(contents);
        table.insert(name.to_owned(), Value::String(contents.to_owned()));
    }
    Ok(())
}

pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}
