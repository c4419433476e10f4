//! Opening connections.

use crate::BusError;
use baohan_config::Broker;
use lapin::{Connection, ConnectionProperties};

/// The AMQP URI with the configured password joined in. The password is
/// kept out of the config's `url` so that the URL can be logged.
pub fn uri(settings: &Broker) -> Result<String, BusError> {
    let url = settings.url.trim();
    let Some(rest) = url
        .strip_prefix("amqp://")
        .map(|r| ("amqp://", r))
        .or_else(|| url.strip_prefix("amqps://").map(|r| ("amqps://", r)))
    else {
        return Err(BusError::Url("must start with amqp:// or amqps://".into()));
    };
    let (scheme, rest) = rest;
    let password = settings.password.expose();
    if password.is_empty() {
        return Ok(url.to_owned());
    }
    let Some((user, host)) = rest.split_once('@') else {
        return Err(BusError::Url(
            "a password needs a user: amqp://user@host".into(),
        ));
    };
    if user.contains(':') {
        return Err(BusError::Url(
            "set the password in `password`, not in the url".into(),
        ));
    }
    Ok(format!(
        "{scheme}{user}:{}@{host}",
        percent_encode(password)
    ))
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Opens a connection named after the service, which the management UI
/// shows.
pub async fn open(uri: &str, name: &str) -> Result<Connection, BusError> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    Ok(Connection::connect(uri, props).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use baohan_masking::Secret;

    fn broker(url: &str, password: &str) -> Broker {
        Broker {
            url: url.into(),
            password: Secret::new(password),
            prefix: "t".into(),
            delivery_limit: 5,
            retry_delays_secs: vec![1],
            journal_max_age: "1D".into(),
            journal_max_bytes: 1,
            prefetch: 1,
        }
    }

    #[test]
    fn the_password_is_joined_in_and_escaped() {
        let u = uri(&broker("amqp://baohan@127.0.0.1:5672/%2f", "p@ss/w:rd")).unwrap();
        assert_eq!(u, "amqp://baohan:p%40ss%2Fw%3Ard@127.0.0.1:5672/%2f");
        assert_eq!(uri(&broker("amqp://h/%2f", "")).unwrap(), "amqp://h/%2f");
    }

    #[test]
    fn a_password_in_the_url_or_a_bad_scheme_is_refused() {
        assert!(uri(&broker("amqp://u:p@h/", "x")).is_err());
        assert!(uri(&broker("http://u@h/", "x")).is_err());
        assert!(uri(&broker("amqp://h/", "x")).is_err());
    }
}
