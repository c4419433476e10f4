use super::ResultCode;
use crate::money::Fen;
use crate::wire::{DateTimeSec, FILE_MAX, Nested};
use baohan_domain::command::Query;
use baohan_masking::{BankAccount, IdNumber, PersonName, Phone};

crate::wire_message! {
    /// 开函数据获取接口 (getbaohaninfo): the platform fetches the guarantee after bid opening.
    pub struct GetBaohanInfo {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 保函编号
        baohanno: req String = "baohanno" max 64;
        sign: req String = "sign" max 128;
    }
}

crate::wire_message! {
    /// The guarantee details in getbaohaninfo's reply.
    pub struct BaohanInfo {
        /// 保函文件下载地址
        baohanurl: req String = "baohanurl" max 2048;
        /// 保函文件的base64码
        baohanfile: req String = "baohanfile" max FILE_MAX;
        /// 付保费银行账户户名
        payername: req String = "payername" max 256;
        /// 支付保费银行账户号码
        payeraccount: req BankAccount = "payeraccount" max 64;
        /// 费率
        rate: req String = "rate" max 32;
        /// 费用
        cost: req Fen = "cost";
        /// 支付方式
        paytype: req String = "paytype" max 64;
        /// 投标保函有效期
        tbysq: req String = "tbysq" max 64;
        /// 保险起期
        servicebegintime: req String = "servicebegintime" max 32;
        /// 保险止期
        serviceendtime: req String = "serviceendtime" max 32;
        /// 投标人联系人姓名
        biddercontact: req PersonName = "biddercontact" max 64;
        /// 投标人联系方式
        biddercontacttel: req Phone = "biddercontacttel" max 32;
        /// 投标人地址
        bidderaddress: req String = "bidderaddress" max 512;
        /// 投标人邮箱
        bidderemail: req String = "bidderemail" max 256;
        /// 投标人法定代表人姓名
        bidderpersonname: req PersonName = "bidderpersonname" max 64;
        /// 投标人法定代表人身份证件号码
        bidderpersoncard: req IdNumber = "bidderpersoncard" max 32;
        /// 投标人法定代表人联系方式
        bidderpersontel: req Phone = "bidderpersontel" max 32;
        /// 电子申请单文件下载地址
        orderurl: req String = "orderurl" max 2048;
        /// 电子申请单文件MD5码
        ordermd5: req String = "ordermd5" max 32;
        /// 企业资质文件下载地址
        qualficationfileurl: req String = "qualficationfileurl" max 2048;
        /// 企业资质文件大写MD5码
        qualficationfilemd5: req String = "qualficationfilemd5" max 32;
        /// 企业营业执照下载地址
        businesslicenseurl: req String = "businesslicenseurl" max 2048;
        /// 企业营业执照大写MD5码
        businesslicensemd5: req String = "businesslicensemd5" max 32;
        /// 电子保函文件大写MD5
        guaranteemd5: req String = "guaranteemd5" max 32;
        /// 电子保函文件中的结构化数据XML文件下载地址
        guaranteexmlurl: req String = "guaranteexmlurl" max 2048;
        /// 电子保函文件中的结构化数据XML文件的大写MD5
        guaranteexmlmd5: req String = "guaranteexmlmd5" max 32;
        /// 到账凭证下载地址
        payfileurl: req String = "payfileurl" max 2048;
    }
}

crate::wire_message! {
    /// getbaohaninfo's reply; `data` is required when code is 1.
    pub struct GetBaohanInfoReply {
        code: req ResultCode = "code";
        message: opt String = "message" max 1024;
        data: opt Nested<BaohanInfo> = "data";
    }
    check = check_reply;
}

fn check_reply(r: &GetBaohanInfoReply) -> Result<(), crate::Invalid> {
    let mut errors = Vec::new();
    if r.code == ResultCode::Success {
        super::required_because(&r.data, "data", "code is 1", &mut errors);
    }
    super::finish(errors)
}

/// getbaohaninfo as the domain's question.
pub fn to_query(q: &GetBaohanInfo) -> Query {
    Query::Guarantee {
        application: q.applyno.clone(),
        guarantee_no: q.baohanno.clone(),
    }
}
