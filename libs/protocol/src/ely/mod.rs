//! The ELY performance-guarantee interface, v1.0.5.7.
//!
//! - [`Transcode`]: ELY101–ELY109, who provides each, and which use the
//!   digital envelope.
//! - [`messages`]: the business object of each transcode.
//! - [`codec`]: the wire envelope `{transcode, msgcode, appid, reqtime,
//!   version, data, sign}` and the response `{code, message, data}`, in
//!   standard mode (SM2 data, SM3 sign) and envelope mode (spec 9.3.3).
//! - [`codes`]: spec 11.1's response codes.

pub mod codec;
pub mod codes;
pub mod messages;
pub mod peek;

use crate::Provider;
use crate::error::Invalid;
use crate::wire::{Map, WireMessage};
pub use codec::{ElyProfile, OpenedRequest, Rejection, Security, WireRequest, WireResponse};
pub use codes::ResponseCode;
use messages::*;

macro_rules! transcodes {
    ($( $(#[$m:meta])* $variant:ident = $code:literal, $provider:ident, $ty:ty, request_envelope: $req_env:literal, response_envelope: $resp_env:literal; )*) => {
        /// The nine ELY transcodes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Transcode { $( $(#[$m])* $variant, )* }

        /// A typed business request of any transcode.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ElyRequest { $( $variant($ty), )* }

        impl Transcode {
            pub const ALL: &'static [Transcode] = &[$(Transcode::$variant),*];
            pub const CODES: &'static [&'static str] = &[$($code),*];

            pub fn code(self) -> &'static str {
                match self { $( Transcode::$variant => $code, )* }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|t| t.code().eq_ignore_ascii_case(code.trim()))
            }

            /// Who serves it: [`Provider::Fi`] for calls to us.
            pub fn provider(self) -> Provider {
                match self { $( Transcode::$variant => Provider::$provider, )* }
            }

            /// Whether the request travels in a digital envelope.
            pub fn request_envelope(self) -> bool {
                match self { $( Transcode::$variant => $req_env, )* }
            }

            /// Whether the response data travels in a digital envelope.
            pub fn response_envelope(self) -> bool {
                match self { $( Transcode::$variant => $resp_env, )* }
            }

            pub fn parse_request(self, map: &Map) -> Result<ElyRequest, Invalid> {
                match self { $( Transcode::$variant => <$ty>::from_map(map).map(ElyRequest::$variant), )* }
            }
        }

        impl ElyRequest {
            pub fn transcode(&self) -> Transcode {
                match self { $( ElyRequest::$variant(_) => Transcode::$variant, )* }
            }

            pub fn to_map(&self) -> Map {
                match self { $( ElyRequest::$variant(m) => m.to_map(), )* }
            }
        }
    };
}

transcodes! {
    /// 提交保函申请信息
    Ely101 = "ELY101", Fi, Ely101, request_envelope: false, response_envelope: false;
    /// 保函申请状态通知
    Ely102 = "ELY102", Platform, Ely102, request_envelope: false, response_envelope: false;
    /// 保函文件查询
    Ely103 = "ELY103", Fi, Ely103, request_envelope: false, response_envelope: true;
    /// 保函验真
    Ely104 = "ELY104", Fi, Ely104, request_envelope: true, response_envelope: false;
    /// 索赔申请推送
    Ely105 = "ELY105", Fi, Ely105, request_envelope: false, response_envelope: false;
    /// 理赔结果通知
    Ely106 = "ELY106", Platform, Ely106, request_envelope: false, response_envelope: false;
    /// 保函失效通知
    Ely107 = "ELY107", Fi, Ely107, request_envelope: false, response_envelope: false;
    /// 保函注销结果推送
    Ely108 = "ELY108", Platform, Ely108, request_envelope: false, response_envelope: false;
    /// 提交取消订单/退保申请信息
    Ely109 = "ELY109", Fi, Ely109, request_envelope: false, response_envelope: false;
}

/// The domain's command a request asks for; `None` for the queries
/// (ELY103, ELY104: answered at once) and the callbacks.
pub fn to_command(request: &ElyRequest) -> Option<baohan_domain::command::Command> {
    match request {
        ElyRequest::Ely101(a) => Some(messages::ely101::to_command(a)),
        ElyRequest::Ely105(c) => Some(messages::ely105::to_command(c)),
        ElyRequest::Ely107(i) => Some(messages::ely107::to_command(i)),
        ElyRequest::Ely109(r) => Some(messages::ely109::to_command(r)),
        ElyRequest::Ely102(_)
        | ElyRequest::Ely103(_)
        | ElyRequest::Ely104(_)
        | ElyRequest::Ely106(_)
        | ElyRequest::Ely108(_) => None,
    }
}
