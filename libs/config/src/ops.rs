//! The ops API's operators: each with a name, roles, and the SM3 of a
//! token only they hold. The name in every decision's timeline comes from
//! the token that made it, never from the request.

use crate::ConfigError;
use baohan_gm::sm3;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// What an operator may do. Each route needs one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads applications, referrals and payments.
    Viewer,
    /// Decides referred applications.
    Underwriter,
    /// Records and approves bank-transfer confirmations (maker-checker:
    /// the approver must be another operator).
    Payments,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Underwriter => "underwriter",
            Role::Payments => "payments",
        }
    }
}

/// One person (or one automation) with access to the ops API.
#[derive(Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub roles: Vec<Role>,
    /// SM3 of the bearer token. The token itself is never configured:
    /// a leaked config file does not let anyone act.
    pub token_sm3: [u8; 32],
}

impl Operator {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator")
            .field("name", &self.name)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// The ops API: its own listener, never exposed with the portal.
#[derive(Debug, Clone)]
pub struct Ops {
    pub listen: SocketAddr,
    pub operators: Vec<Operator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpsRaw {
    #[serde(default = "default_listen")]
    listen: SocketAddr,
    #[serde(default)]
    operators: Vec<OperatorRaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorRaw {
    name: String,
    roles: Vec<Role>,
    /// 64 hex characters: `baohanctl gm sm3` of the token.
    token_sm3: String,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8082))
}

impl OpsRaw {
    pub(crate) fn parse(self, origin: &Path) -> Result<Ops, ConfigError> {
        let mut operators: Vec<Operator> = Vec::with_capacity(self.operators.len());
        for (i, raw) in self.operators.into_iter().enumerate() {
            let at = |key: &str| format!("ops.operators[{i}].{key}");
            let name = raw.name.trim().to_owned();
            let ok_name = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
            if !ok_name {
                return Err(ConfigError::new(
                    origin,
                    &at("name"),
                    "1 to 64 letters, digits, '.', '-', '_' or '@'",
                ));
            }
            if operators.iter().any(|o| o.name == name) {
                return Err(ConfigError::new(origin, &at("name"), "used twice"));
            }
            if raw.roles.is_empty() {
                return Err(ConfigError::new(
                    origin,
                    &at("roles"),
                    "name at least one role",
                ));
            }
            let digest = baohan_gm::Encoding::Hex
                .decode(raw.token_sm3.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    ConfigError::new(
                        origin,
                        &at("token_sm3"),
                        "64 hex characters: the SM3 of the token (baohanctl gm sm3)",
                    )
                })?;
            if operators.iter().any(|o| o.token_sm3 == digest) {
                return Err(ConfigError::new(
                    origin,
                    &at("token_sm3"),
                    "another operator has the same token",
                ));
            }
            operators.push(Operator {
                name,
                roles: raw.roles,
                token_sm3: digest,
            });
        }
        Ok(Ops {
            listen: self.listen,
            operators,
        })
    }
}

/// The SM3 of a presented token, as configured.
pub fn token_digest(token: &str) -> [u8; 32] {
    sm3::digest(token.as_bytes())
}
