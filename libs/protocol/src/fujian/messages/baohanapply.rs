use super::ResultCode;
use crate::money::Fen;
use crate::wire::DateTimeSec;
use baohan_domain::command::{
    Account, Applicant, Apply, Beneficiary, BidTerms, Command, PayLink, Person, Project, Terms,
};
use baohan_domain::ids::Checked;
use baohan_masking::{BankAccount, PersonName, Phone};

crate::wire_message! {
    /// 投保申请 (baohanapply): the platform asks us for a bid guarantee.
    /// Fields marked 密文 arrive SM4-encrypted; this type holds them decrypted.
    pub struct BaohanApply {
        appkey: req String = "appkey" max 64;
        /// 请求时间
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 投标企业名称
        biddername: req String = "biddername" max 256;
        /// 统一社会信用代码
        biddercode: req String = "biddercode" max 18;
        /// 标段编号（密文）
        biaoduanno: req String = "biaoduanno" max 128;
        /// 标段名称（密文）
        biaoduanname: req String = "biaoduanname" max 512;
        /// 保证金金额（元）
        bzjamount: req Fen = "bzjamount";
        /// 招标人（密文）
        zbr: req String = "zbr" max 256;
        /// 招标人统一社会信用代码（密文）
        zbrorgnum: opt String = "zbrorgnum" max 18;
        /// 项目审批文号（密文）
        approvalcode: opt String = "approvalcode" max 128;
        /// 投资项目统一代码（密文）
        projectcode: opt String = "projectcode" max 128;
        /// 项目编号（密文）
        projectno: req String = "projectno" max 128;
        /// 项目名称（密文）
        projectname: req String = "projectname" max 512;
        /// 合同估算价（元）
        reckonprice: req Fen = "reckonprice";
        /// 招标人银行账号（密文）
        tendererbankcode: req BankAccount = "tendererbankcode" max 64;
        /// 招标人银行开户行（密文）
        tendereropenbank: req String = "tendereropenbank" max 256;
        /// 招标人银行账户名称（密文）
        tendererbankaccount: req String = "tendererbankaccount" max 256;
        /// 招标人联系人（密文）
        tenderercontact: req PersonName = "tenderercontact" max 64;
        /// 招标人联系人联系方式（密文）
        tenderercontacttel: req Phone = "tenderercontacttel" max 32;
        /// 项目所在地（行政区划代码）
        citycode: req String = "citycode" max 12;
        /// 招标项目类型
        projecttype: req String = "projecttype" max 64;
        /// 保证金截止时间（密文）
        bzjendtime: req DateTimeSec = "bzjendtime";
        /// 开标时间（密文）
        kaibiaotime: req DateTimeSec = "kaibiaotime";
        /// 投标有效期，单位天
        tbyxq: req u32 = "tbyxq";
        /// 招标公告地址（密文）
        tendernoticeurl: opt String = "tendernoticeurl" max 2048;
        /// 招标文件下载地址（密文）
        tenderfileurl: req String = "tenderfileurl" max 2048;
        /// 报文签名
        sign: req String = "sign" max 128;
    }
}

crate::wire_message! {
    /// baohanapply's reply: on success, the Payurl the bidder opens to pay.
    pub struct BaohanApplyReply {
        /// 响应代码 0失败 1成功
        code: req ResultCode = "code";
        /// 响应信息
        message: opt String = "message" max 1024;
        /// 支付地址, required when code is 1
        payurl: opt String = "Payurl" max 2048;
    }
    check = check_reply;
}

fn check_reply(r: &BaohanApplyReply) -> Result<(), crate::Invalid> {
    let mut errors = Vec::new();
    if r.code == ResultCode::Success {
        super::required_because(&r.payurl, "Payurl", "code is 1", &mut errors);
    }
    super::finish(errors)
}

/// baohanapply as the domain's application: a bid guarantee, whose link to
/// the payment page the platform shows from our answer (`Payurl`).
pub fn to_command(a: &BaohanApply) -> Command {
    Command::Apply(Box::new(Apply {
        application: a.applyno.clone(),
        applicant: Applicant {
            name: a.biddername.clone(),
            credit_code: Checked::parse(&a.biddercode),
            legal_rep: None,
            contact: None,
        },
        beneficiary: Beneficiary {
            name: a.zbr.clone(),
            code: a.zbrorgnum.clone(),
            account: Some(Account {
                number: a.tendererbankcode.clone(),
                open_bank: a.tendereropenbank.clone(),
                name: a.tendererbankaccount.clone(),
            }),
            contact: Some(Person {
                name: a.tenderercontact.clone(),
                phone: Some(a.tenderercontacttel.clone()),
                id: None,
            }),
        },
        project: Project {
            code: a.projectno.clone(),
            name: a.projectname.clone(),
            section_code: a.biaoduanno.clone(),
            section_name: a.biaoduanname.clone(),
        },
        amount: a.bzjamount,
        terms: Terms::Bid(BidTerms {
            deposit_deadline: a.bzjendtime.0,
            bid_opening: a.kaibiaotime.0,
            validity_days: a.tbyxq,
            city_code: a.citycode.clone(),
            project_type: a.projecttype.clone(),
            contract_estimate: a.reckonprice,
            tender_file_url: a.tenderfileurl.clone(),
        }),
        pay_link: PayLink::Answered,
    }))
}
