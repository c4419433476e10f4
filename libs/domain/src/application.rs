//! An application's lifecycle, from the platform's call to the end of its
//! guarantee: the states, the events that move it, and the one table of
//! allowed transitions. Everything else (the workers, the ops API) asks
//! [`Status::apply`]; an event that is not allowed leaves the state as it
//! was and says why.
//!
//! ```text
//! Received ─┬─ approve ──────────────► Approved ── pay ──► Paid ─┬─ issue ──► Issued ─┬─ surrender ─► Surrendered
//!           ├─ refer ──► Referred ─┬─► (approve / reject)        └─ fail ───► IssueFailed ├─ invalidate ► Invalidated
//!           └─ reject ─► Rejected  │                                                   └─ claim paid ► Claimed
//!  Received, Referred, Approved, Paid ── withdraw ──► Withdrawn
//! ```

use std::fmt;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Accepted from the platform, not yet decided.
    Received,
    /// Waiting for a person's decision.
    Referred,
    /// Approved: the bidder may now pay.
    Approved,
    Rejected,
    /// The premium is paid: the letter may be issued.
    Paid,
    Issued,
    IssueFailed,
    /// Given up or cancelled by the bidder before issue (giveupnotice;
    /// ELY109 `02`).
    Withdrawn,
    /// 退保: the guarantee was surrendered after issue (quitapply; ELY109 `01`).
    Surrendered,
    /// 保函失效 (ELY107): the purchaser released it.
    Invalidated,
    /// A claim was paid out.
    Claimed,
}

/// What happens to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    Approve,
    Refer,
    Reject,
    Pay,
    Issue,
    FailIssue,
    Withdraw,
    Surrender,
    Invalidate,
    PayClaim,
}

/// An event the application's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an application that is {from} cannot {event}")]
pub struct IllegalTransition {
    pub from: Status,
    pub event: Event,
}

impl IllegalTransition {
    /// For the platform's answer, e.g. `申请状态为已出函，不能撤回`.
    pub fn zh(&self) -> String {
        format!("申请状态为{}，不能{}", self.from.zh(), self.event.zh())
    }
}

impl Event {
    fn zh(self) -> &'static str {
        match self {
            Event::Approve => "审核通过",
            Event::Refer => "转人工审核",
            Event::Reject => "拒绝",
            Event::Pay => "缴费",
            Event::Issue => "出函",
            Event::FailIssue => "标记出函失败",
            Event::Withdraw => "撤回",
            Event::Surrender => "退保",
            Event::Invalidate => "失效",
            Event::PayClaim => "赔付",
        }
    }
}

impl Status {
    /// The status in Chinese, as bidders and platforms read it.
    pub fn zh(self) -> &'static str {
        match self {
            Status::Received => "审核中",
            Status::Referred => "人工审核中",
            Status::Approved => "审核通过",
            Status::Rejected => "审核未通过",
            Status::Paid => "已缴费",
            Status::Issued => "已出函",
            Status::IssueFailed => "出函失败",
            Status::Withdrawn => "已撤回",
            Status::Surrendered => "已退保",
            Status::Invalidated => "已失效",
            Status::Claimed => "已理赔",
        }
    }

    pub const ALL: [Status; 11] = [
        Status::Received,
        Status::Referred,
        Status::Approved,
        Status::Rejected,
        Status::Paid,
        Status::Issued,
        Status::IssueFailed,
        Status::Withdrawn,
        Status::Surrendered,
        Status::Invalidated,
        Status::Claimed,
    ];

    /// The state `event` leads to, or why it may not happen.
    pub fn apply(self, event: Event) -> Result<Status, IllegalTransition> {
        use Event as E;
        use Status as S;
        let next = match (self, event) {
            (S::Received | S::Referred, E::Approve) => S::Approved,
            (S::Received, E::Refer) => S::Referred,
            (S::Received | S::Referred, E::Reject) => S::Rejected,
            (S::Approved, E::Pay) => S::Paid,
            (S::Paid, E::Issue) => S::Issued,
            (S::Paid, E::FailIssue) => S::IssueFailed,
            (S::Received | S::Referred | S::Approved | S::Paid, E::Withdraw) => S::Withdrawn,
            (S::Issued, E::Surrender) => S::Surrendered,
            (S::Issued, E::Invalidate) => S::Invalidated,
            (S::Issued, E::PayClaim) => S::Claimed,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(next)
    }

    /// No event moves it any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected
                | Status::IssueFailed
                | Status::Withdrawn
                | Status::Surrendered
                | Status::Invalidated
                | Status::Claimed
        )
    }

    /// The name kept in the store (`applications.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Referred => "referred",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Paid => "paid",
            Status::Issued => "issued",
            Status::IssueFailed => "issue_failed",
            Status::Withdrawn => "withdrawn",
            Status::Surrendered => "surrendered",
            Status::Invalidated => "invalidated",
            Status::Claimed => "claimed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Event::Approve => "be approved",
            Event::Refer => "be referred",
            Event::Reject => "be rejected",
            Event::Pay => "be paid",
            Event::Issue => "be issued",
            Event::FailIssue => "fail to issue",
            Event::Withdraw => "be withdrawn",
            Event::Surrender => "be surrendered",
            Event::Invalidate => "be invalidated",
            Event::PayClaim => "have a claim paid",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Event as E;
    use Status as S;

    const EVENTS: [Event; 10] = [
        E::Approve,
        E::Refer,
        E::Reject,
        E::Pay,
        E::Issue,
        E::FailIssue,
        E::Withdraw,
        E::Surrender,
        E::Invalidate,
        E::PayClaim,
    ];

    /// The allowed transitions, written out once more by hand: the match
    /// in `apply` must agree with this list exactly.
    const ALLOWED: &[(Status, Event, Status)] = &[
        (S::Received, E::Approve, S::Approved),
        (S::Received, E::Refer, S::Referred),
        (S::Received, E::Reject, S::Rejected),
        (S::Received, E::Withdraw, S::Withdrawn),
        (S::Referred, E::Approve, S::Approved),
        (S::Referred, E::Reject, S::Rejected),
        (S::Referred, E::Withdraw, S::Withdrawn),
        (S::Approved, E::Pay, S::Paid),
        (S::Approved, E::Withdraw, S::Withdrawn),
        (S::Paid, E::Issue, S::Issued),
        (S::Paid, E::FailIssue, S::IssueFailed),
        (S::Paid, E::Withdraw, S::Withdrawn),
        (S::Issued, E::Surrender, S::Surrendered),
        (S::Issued, E::Invalidate, S::Invalidated),
        (S::Issued, E::PayClaim, S::Claimed),
    ];

    #[test]
    fn exactly_the_listed_transitions_are_allowed() {
        for from in S::ALL {
            for event in EVENTS {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match (from.apply(event), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} + {event:?}"),
                    (Err(e), None) => {
                        assert_eq!(e, IllegalTransition { from, event });
                    }
                    (got, want) => panic!("{from} + {event:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn final_states_allow_nothing() {
        for from in S::ALL.into_iter().filter(|s| s.is_final()) {
            for event in EVENTS {
                assert!(from.apply(event).is_err(), "{from} + {event:?}");
            }
        }
    }

    #[test]
    fn paying_twice_a_claim_after_surrender_and_issuing_unpaid_are_refused() {
        let paid = S::Received
            .apply(E::Approve)
            .and_then(|s| s.apply(E::Pay))
            .unwrap();
        let twice = paid.apply(E::Pay).unwrap_err();
        assert_eq!(
            twice.to_string(),
            "an application that is paid cannot be paid"
        );
        let surrendered = paid
            .apply(E::Issue)
            .and_then(|s| s.apply(E::Surrender))
            .unwrap();
        assert!(surrendered.apply(E::PayClaim).is_err());
        assert!(S::Approved.apply(E::Issue).is_err());
        assert_eq!(twice.zh(), "申请状态为已缴费，不能缴费");
    }

    #[test]
    fn store_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("nonsense"), None);
    }
}
