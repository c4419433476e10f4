use crate::wire::{DashedDate, DateTimeSec};
use baohan_domain::command::Query;

crate::wire_enum! {
    /// 验签状态
    pub enum VerifyStatus {
        /// 验证成功
        Valid = "01",
        /// 验证失败
        Invalid = "02",
    }
}

crate::wire_message! {
    /// ELY104 保函验真: the platform asks whether a guarantee file is genuine.
    /// The request travels in a digital envelope.
    pub struct Ely104 {
        /// 保函唯一标识
        guarantee_id: req String = "guaranteeId" max 64;
        /// 保函文件, Base64
        guarantee_data: req String = "guaranteeData" max super::FILE_MAX;
    }
}

crate::wire_message! {
    /// ELY104's business response: the signature check and the certificate.
    pub struct Ely104Response {
        guarantee_id: req String = "guaranteeId" max 64;
        /// 验签状态 01 成功 02 失败
        status: req VerifyStatus = "status";
        /// 证书序列号
        cert_num: req String = "certNum" max 150;
        /// 证书所有者
        cert_owner: req String = "certOwner" max 100;
        /// 证书有效期开始时间
        cert_begin_time: req DashedDate = "certBeginTime";
        /// 证书有效期截止时间
        cert_end_time: req DashedDate = "certEndTime";
        /// 证书颁发者
        cert_author: req String = "certAuthor" max 100;
        /// 签章时间
        sign_time: req DateTimeSec = "signTime";
    }
}

/// ELY104 as the domain's question: is this letter ours?
pub fn to_query(q: &Ely104) -> Query {
    Query::Verify {
        guarantee_no: q.guarantee_id.clone(),
        letter_base64: q.guarantee_data.clone(),
    }
}
