//! The guarantee after issue, its claims, and the refunds of premium: the
//! other three state machines, beside [`crate::application`]. Each has one
//! table of allowed transitions; an event it does not allow leaves the
//! state as it was and says why, in Chinese, for the platform's answer.
//!
//! ```text
//! Guarantee:  Issued ─┬─ surrender (退保) ──► Surrendered
//!                     ├─ invalidate (失效) ─► Invalidated
//!                     ├─ pay claim ────────► Claimed
//!                     └─ expire ───────────► Expired
//! Claim:      Received ─┬─ accept ─► Accepted ─┬─ pay ──► Paid
//!                       └─ reject ─► Rejected  └─ reject ► Rejected
//! Refund:     Requested ─┬─ succeed ─► Succeeded
//!                        └─ fail ────► Failed ── retry ──► Requested
//! ```

use std::fmt;

/// An event a state does not allow: what, from where, and the sentence the
/// platform gets (ELY `message`, Fujian `message` with code 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{what} that is {from} cannot {event}")]
pub struct Refused {
    pub what: &'static str,
    pub from: &'static str,
    pub event: &'static str,
}

impl Refused {
    /// For the platform's answer, e.g. `保函状态为已退保，不能索赔`.
    pub fn zh(&self) -> String {
        format!(
            "{}状态为{}，不能{}",
            zh_what(self.what),
            zh_state(self.from),
            zh_event(self.event)
        )
    }
}

macro_rules! machine {
    (
        $(#[$doc:meta])* $what:literal, $state:ident { $($s:ident = $sname:literal),+ $(,)? },
        $event:ident { $($e:ident = $ename:literal),+ $(,)? },
        allowed { $($from:ident + $ev:ident => $to:ident),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $state { $($s),+ }

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $event { $($e),+ }

        impl $state {
            pub const ALL: &[$state] = &[$($state::$s),+];
            /// The allowed transitions, as a list (docs, tests).
            pub const ALLOWED: &[($state, $event, $state)] =
                &[$(($state::$from, $event::$ev, $state::$to)),+];

            pub fn apply(self, event: $event) -> Result<$state, Refused> {
                $state::ALLOWED
                    .iter()
                    .find(|(f, e, _)| *f == self && *e == event)
                    .map(|(_, _, to)| *to)
                    .ok_or(Refused { what: $what, from: self.as_str(), event: event.as_str() })
            }

            /// The name kept in the store.
            pub fn as_str(self) -> &'static str {
                match self { $($state::$s => $sname),+ }
            }

            pub fn parse(text: &str) -> Option<$state> {
                $state::ALL.iter().copied().find(|s| s.as_str() == text)
            }
        }

        impl $event {
            pub const ALL: &[$event] = &[$($event::$e),+];
            pub fn as_str(self) -> &'static str {
                match self { $($event::$e => $ename),+ }
            }
        }

        impl fmt::Display for $state {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

machine! {
    /// An issued guarantee.
    "guarantee", Guarantee {
        Issued = "issued",
        Surrendered = "surrendered",
        Invalidated = "invalidated",
        Claimed = "claimed",
        Expired = "expired",
    },
    GuaranteeEvent {
        Surrender = "surrender",
        Invalidate = "invalidate",
        PayClaim = "pay_claim",
        Expire = "expire",
    },
    allowed {
        Issued + Surrender => Surrendered,
        Issued + Invalidate => Invalidated,
        Issued + PayClaim => Claimed,
        Issued + Expire => Expired,
    }
}

machine! {
    /// A claim (索赔) against a guarantee.
    "claim", Claim {
        Received = "received",
        Accepted = "accepted",
        Rejected = "rejected",
        Paid = "paid",
    },
    ClaimEvent {
        Accept = "accept",
        Reject = "reject",
        Pay = "pay",
    },
    allowed {
        Received + Accept => Accepted,
        Received + Reject => Rejected,
        Accepted + Reject => Rejected,
        Accepted + Pay => Paid,
    }
}

machine! {
    /// A refund of premium (after 退保 or a cancellation).
    "refund", Refund {
        Requested = "requested",
        Succeeded = "succeeded",
        Failed = "failed",
    },
    RefundEvent {
        Succeed = "succeed",
        Fail = "fail",
        Retry = "retry",
    },
    allowed {
        Requested + Succeed => Succeeded,
        Requested + Fail => Failed,
        Failed + Retry => Requested,
    }
}

/// Why a guarantee may not end (退保, 失效) now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MayNotEnd {
    /// Its state does not allow the end.
    #[error(transparent)]
    State(#[from] Refused),
    /// A claim on it is received or accepted, not settled: the claim being
    /// paid decides how the guarantee ends, so nothing else may end it
    /// under the claim.
    #[error("a claim on the guarantee is open")]
    ClaimOpen,
}

impl MayNotEnd {
    /// The one sentence the platform, the timeline and the logs get.
    pub fn zh(&self) -> String {
        match self {
            MayNotEnd::State(r) => r.zh(),
            MayNotEnd::ClaimOpen => "该保函有索赔正在处理，不能办理".into(),
        }
    }
}

/// Whether the guarantee may end by `event` (surrender, invalidate): the
/// ingress asks it before accepting a call, the worker again when it
/// applies the command. Returns the state it ends in.
pub fn may_end(
    g: Guarantee,
    event: GuaranteeEvent,
    claim_open: bool,
) -> Result<Guarantee, MayNotEnd> {
    let to = g.apply(event)?;
    if claim_open {
        return Err(MayNotEnd::ClaimOpen);
    }
    Ok(to)
}

/// A claim may be opened only on a guarantee that is still in force.
pub fn may_claim(g: Guarantee) -> Result<(), Refused> {
    match g {
        Guarantee::Issued => Ok(()),
        from => Err(Refused {
            what: "guarantee",
            from: from.as_str(),
            event: "claim",
        }),
    }
}

fn zh_what(what: &str) -> &str {
    match what {
        "guarantee" => "保函",
        "claim" => "索赔",
        "refund" => "退费",
        other => other,
    }
}

fn zh_state(state: &str) -> &str {
    match state {
        "issued" => "已出函",
        "surrendered" => "已退保",
        "invalidated" => "已失效",
        "claimed" => "已理赔",
        "expired" => "已到期",
        "received" => "已受理",
        "accepted" => "已受理待赔付",
        "rejected" => "已拒绝",
        "paid" => "已赔付",
        "requested" => "退费中",
        "succeeded" => "已退费",
        "failed" => "退费失败",
        other => other,
    }
}

fn zh_event(event: &str) -> &str {
    match event {
        "surrender" => "退保",
        "invalidate" => "失效",
        "pay_claim" | "pay" => "赔付",
        "claim" => "索赔",
        "expire" => "到期",
        "accept" => "受理",
        "reject" => "拒绝",
        "succeed" => "完成退费",
        "fail" => "标记失败",
        "retry" => "重试",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (state, event) pair: allowed exactly when listed, and a
    /// refusal names both.
    fn exhaustive<S: Copy + PartialEq + fmt::Debug, E: Copy + PartialEq + fmt::Debug>(
        states: &[S],
        events: &[E],
        allowed: &[(S, E, S)],
        apply: impl Fn(S, E) -> Result<S, Refused>,
        name: impl Fn(S) -> &'static str,
    ) {
        for &s in states {
            for &e in events {
                let want = allowed
                    .iter()
                    .find(|(f, ev, _)| *f == s && *ev == e)
                    .map(|t| t.2);
                match (apply(s, e), want) {
                    (Ok(to), Some(w)) => assert_eq!(to, w),
                    (Err(r), None) => assert_eq!(r.from, name(s)),
                    (got, want) => panic!("{s:?} + {e:?}: {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn the_three_tables_are_exactly_what_apply_allows() {
        exhaustive(
            Guarantee::ALL,
            GuaranteeEvent::ALL,
            Guarantee::ALLOWED,
            Guarantee::apply,
            Guarantee::as_str,
        );
        exhaustive(
            Claim::ALL,
            ClaimEvent::ALL,
            Claim::ALLOWED,
            Claim::apply,
            Claim::as_str,
        );
        exhaustive(
            Refund::ALL,
            RefundEvent::ALL,
            Refund::ALLOWED,
            Refund::apply,
            Refund::as_str,
        );
        assert_eq!(Guarantee::ALLOWED.len(), 4);
        assert_eq!(Claim::ALLOWED.len(), 4);
        assert_eq!(Refund::ALLOWED.len(), 3);
    }

    #[test]
    fn a_claim_on_a_cancelled_guarantee_and_a_quit_after_a_paid_claim_are_refused() {
        let invalidated = Guarantee::Issued.apply(GuaranteeEvent::Invalidate).unwrap();
        let e = may_claim(invalidated).unwrap_err();
        assert_eq!(e.zh(), "保函状态为已失效，不能索赔");
        let claimed = Guarantee::Issued.apply(GuaranteeEvent::PayClaim).unwrap();
        let e = claimed.apply(GuaranteeEvent::Surrender).unwrap_err();
        assert_eq!(e.to_string(), "guarantee that is claimed cannot surrender");
        assert_eq!(e.zh(), "保函状态为已理赔，不能退保");
        assert!(may_claim(Guarantee::Issued).is_ok());
        // Paying a claim twice.
        let paid = Claim::Received
            .apply(ClaimEvent::Accept)
            .and_then(|c| c.apply(ClaimEvent::Pay))
            .unwrap();
        assert!(paid.apply(ClaimEvent::Pay).is_err());
    }

    #[test]
    fn store_names_round_trip() {
        for &s in Guarantee::ALL {
            assert_eq!(Guarantee::parse(s.as_str()), Some(s));
        }
        for &s in Claim::ALL {
            assert_eq!(Claim::parse(s.as_str()), Some(s));
        }
        for &s in Refund::ALL {
            assert_eq!(Refund::parse(s.as_str()), Some(s));
        }
    }
}
