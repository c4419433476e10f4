//! Why the ingress refused a call, and what each platform hears: the one
//! table from refusal to the spec's codes (ELY 11.1; Fujian `code` 0 plus a
//! message that names the field).

use baohan_protocol::ely::{self, ResponseCode};
use baohan_protocol::fujian;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The protocol layer refused it: sign, clock, cipher or fields.
    #[error("{0}")]
    Fujian(fujian::Rejection),
    #[error("{0}")]
    Ely(ely::Rejection),
    #[error("body is over the {limit}-byte limit")]
    TooLarge { limit: usize },
    #[error("Content-Type {0:?} is not JSON")]
    MediaType(String),
    #[error("body is not a JSON object")]
    NotJson,
    /// No configured platform owns this appkey or appid.
    #[error("{field}: unknown")]
    UnknownPlatform { field: &'static str },
    /// The platform's calls may not come from this address
    /// (`allowed_sources`). Answered like a failed sign.
    #[error("source address {0} is not in the platform's allowed_sources")]
    SourceNotAllowed(String),
    /// Every place for crypto work is taken: the same request may be sent
    /// again shortly.
    #[error("busy; send the same request again")]
    Busy,
    /// The body did not arrive within `http.body_timeout_secs`.
    #[error("the request body did not arrive in time")]
    BodyTimedOut,
    #[error("{0} is not an interface this institution serves")]
    NotServed(String),
    /// The business key was accepted before with other content.
    #[error("{field}: already accepted with different content")]
    Conflict { field: &'static str },
    /// An ELY msgcode was used before for other content.
    #[error("msgcode: already used for a different request")]
    MsgcodeReused,
    /// A query for something we do not have (yet).
    #[error("{0}")]
    NotFound(String),
    /// The state machine does not allow what the call asks (a give-up
    /// after issue, say); nothing was recorded.
    #[error("{0}")]
    IllegalState(String),
    /// The broker or the database is down: the platform should retry.
    #[error("service temporarily unavailable, retry later")]
    Unavailable,
    /// Took too long; the same request may be sent again.
    #[error("request took too long; send the same request again")]
    Timeout,
    /// A fault of ours that a retry will not fix; logged with its cause.
    #[error("internal error")]
    Internal,
}

impl Refusal {
    /// ELY spec 11.1 code.
    pub fn ely_code(&self) -> ResponseCode {
        match self {
            Refusal::Ely(r) => r.code,
            Refusal::UnknownPlatform { .. } | Refusal::SourceNotAllowed(_) => {
                ResponseCode::SignFailed
            }
            Refusal::Fujian(_)
            | Refusal::TooLarge { .. }
            | Refusal::MediaType(_)
            | Refusal::NotJson
            | Refusal::NotServed(_)
            | Refusal::Conflict { .. }
            | Refusal::MsgcodeReused => ResponseCode::InvalidParams,
            // ELY has no code for "exists, but not in a state that allows
            // this"; 203 (no such guarantee/application) is the nearest.
            Refusal::NotFound(_) | Refusal::IllegalState(_) => ResponseCode::GuaranteeNotFound,
            // Both say "retry": a retry of the same request is safe.
            Refusal::Unavailable | Refusal::Timeout | Refusal::Busy | Refusal::BodyTimedOut => {
                ResponseCode::ServicePaused
            }
            Refusal::Internal => ResponseCode::ServerError,
        }
    }

    /// A short, bounded label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::Fujian(r) => match r {
                fujian::Rejection::TooLarge(_) => "too_large",
                fujian::Rejection::NotJson => "not_json",
                fujian::Rejection::UnknownAppkey => "unknown_platform",
                fujian::Rejection::Stale => "clock",
                fujian::Rejection::BadSign(_) => "sign",
                fujian::Rejection::Invalid(_) => "invalid",
            },
            Refusal::Ely(r) => match r.code {
                ResponseCode::SignFailed => "sign",
                ResponseCode::DecryptFailed => "decrypt",
                _ => "invalid",
            },
            Refusal::TooLarge { .. } => "too_large",
            Refusal::MediaType(_) => "media_type",
            Refusal::NotJson => "not_json",
            Refusal::UnknownPlatform { .. } => "unknown_platform",
            Refusal::SourceNotAllowed(_) => "source",
            Refusal::Busy => "busy",
            Refusal::BodyTimedOut => "body_timeout",
            Refusal::NotServed(_) => "not_served",
            Refusal::Conflict { .. } => "conflict",
            Refusal::MsgcodeReused => "msgcode_reused",
            Refusal::NotFound(_) => "not_found",
            Refusal::IllegalState(_) => "illegal_state",
            Refusal::Unavailable => "unavailable",
            Refusal::Timeout => "timeout",
            Refusal::Internal => "internal",
        }
    }

    /// The Fujian reply: `code` 0 and the reason. A caller that has not
    /// authenticated hears the one text every such refusal gets.
    pub fn fujian_reply(&self) -> fujian::messages::Reply {
        match self {
            Refusal::Fujian(r) => r.reply(),
            Refusal::UnknownPlatform { .. } | Refusal::SourceNotAllowed(_) => {
                fujian::messages::Reply::failure(fujian::NOT_AUTHENTICATED)
            }
            other => fujian::messages::Reply::failure(other.to_string()),
        }
    }

    /// The ELY response: the code and the spec's wording plus the detail,
    /// which an unauthenticated caller does not hear.
    pub fn ely_response(&self) -> ely::WireResponse {
        match self {
            Refusal::Ely(r) => r.response(),
            Refusal::UnknownPlatform { .. } | Refusal::SourceNotAllowed(_) => {
                ely::Rejection::unauthenticated(self.to_string()).response()
            }
            other => ely::Rejection::new(other.ely_code(), other.to_string()).response(),
        }
    }
}

impl From<baohan_http::ReadError> for Refusal {
    fn from(e: baohan_http::ReadError) -> Self {
        match e {
            baohan_http::ReadError::TooLarge { limit } => Refusal::TooLarge { limit },
            baohan_http::ReadError::TimedOut => Refusal::BodyTimedOut,
            // A body cut off mid-way is no JSON object.
            baohan_http::ReadError::Incomplete => Refusal::NotJson,
        }
    }
}

impl From<baohan_store::StoreError> for Refusal {
    fn from(e: baohan_store::StoreError) -> Self {
        // Logged here once, with its cause; the platform hears "retry".
        tracing::error!(error = ?e, "store failed");
        if e.is_transient() {
            Refusal::Unavailable
        } else {
            Refusal::Internal
        }
    }
}

impl From<baohan_bus::BusError> for Refusal {
    fn from(e: baohan_bus::BusError) -> Self {
        tracing::error!(error = %e, "publish failed");
        Refusal::Unavailable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_maps_to_its_ely_code() {
        let cases = [
            (Refusal::UnknownPlatform { field: "appid" }, "101"),
            (Refusal::NotJson, "103"),
            (Refusal::TooLarge { limit: 1 }, "103"),
            (Refusal::MediaType("text/plain".into()), "103"),
            (
                Refusal::Conflict {
                    field: "applicationId",
                },
                "103",
            ),
            (Refusal::MsgcodeReused, "103"),
            (Refusal::NotFound("x".into()), "203"),
            (Refusal::IllegalState("x".into()), "203"),
            (Refusal::Unavailable, "301"),
            (Refusal::Busy, "301"),
            (Refusal::BodyTimedOut, "301"),
            (Refusal::SourceNotAllowed("192.0.2.1".into()), "101"),
            (Refusal::Timeout, "301"),
            (Refusal::Internal, "302"),
        ];
        for (refusal, code) in cases {
            assert_eq!(refusal.ely_code().code(), code, "{refusal:?}");
            let response = refusal.ely_response();
            assert_eq!(response.code.code(), code);
            assert!(response.message.is_some_and(|m| !m.is_empty()));
        }
    }

    #[test]
    fn every_failed_authentication_gets_one_answer() {
        let unknown = Refusal::UnknownPlatform { field: "appid" };
        let source = Refusal::SourceNotAllowed("192.0.2.1".into());
        let sign = Refusal::Ely(ely::Rejection::unauthenticated(
            "sign: SM3 digest does not match",
        ));
        assert_eq!(unknown.ely_response(), sign.ely_response());
        assert_eq!(source.ely_response(), sign.ely_response());
        let fj_sign = Refusal::Fujian(fujian::Rejection::UnknownAppkey).fujian_reply();
        assert_eq!(
            Refusal::UnknownPlatform { field: "appkey" }.fujian_reply(),
            fj_sign
        );
        assert_eq!(source.fujian_reply(), fj_sign);
        for r in [unknown.ely_response(), source.ely_response()] {
            let m = r.message.unwrap_or_default();
            assert!(!m.contains("appid") && !m.contains("192.0.2.1"), "{m}");
        }
    }

    #[test]
    fn fujian_replies_are_code_0_and_name_the_field() {
        let reply = Refusal::Conflict { field: "applyno" }.fujian_reply();
        assert_eq!(reply.code, fujian::messages::ResultCode::Failure);
        assert!(reply.message.unwrap().starts_with("applyno:"));
    }
}
