//! The eight Fujian interfaces, one file each, in the spec's order.
//! Fields carry the wire names exactly, including `Payurl` and `Reason`.

pub mod baohanapply;
pub mod baohannotice;
pub mod claimsnotice;
pub mod claimsresultnotice;
pub mod getbaohaninfo;
pub mod giveupnotice;
pub mod quitapply;
pub mod quitnotice;

pub use baohanapply::{BaohanApply, BaohanApplyReply};
pub use baohannotice::{ApplyStatus, BaohanNotice};
pub use claimsnotice::ClaimsNotice;
pub use claimsresultnotice::{ClaimsResultNotice, CompensateStatus};
pub use getbaohaninfo::{BaohanInfo, GetBaohanInfo, GetBaohanInfoReply};
pub use giveupnotice::GiveupNotice;
pub use quitapply::QuitApply;
pub use quitnotice::QuitNotice;

pub(crate) use crate::wire::{finish, required_because};

use crate::error::Problem;
use crate::wire::{Value, WireValue};

/// `code`: 1 success, 0 failure. We send a JSON number, as the spec's
/// examples do; a platform's reply may carry a number or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultCode {
    Failure,
    Success,
}

impl WireValue for ResultCode {
    fn read(raw: &Value) -> Result<Self, Problem> {
        match crate::wire::scalar_text(raw).as_deref().map(str::trim) {
            Some("1") => Ok(ResultCode::Success),
            Some("0") => Ok(ResultCode::Failure),
            _ => Err(Problem::NotAllowed {
                allowed: &["1", "0"],
            }),
        }
    }
    fn write(&self) -> Value {
        Value::from(u8::from(*self == ResultCode::Success))
    }
}

crate::wire_message! {
    /// The reply every Fujian interface without a payload returns.
    pub struct Reply {
        /// 响应代码 0失败 1成功
        code: req ResultCode = "code";
        /// 响应信息 (tolerated empty: some platforms send "" on success)
        message: opt String = "message" max 1024;
    }
}

impl Reply {
    pub fn success() -> Self {
        Reply {
            code: ResultCode::Success,
            message: Some("成功".into()),
        }
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Reply {
            code: ResultCode::Failure,
            message: Some(message.into()),
        }
    }
}
