use crate::money::Fen;
use crate::wire::DateTimeSec;
use baohan_domain::command::{Claim, Claimant, Command};
use baohan_masking::{BankAccount, PersonName, Phone};

crate::wire_message! {
    /// 理赔通知 (claimsnotice): a claim on the guarantee (见索即付).
    pub struct ClaimsNotice {
        appkey: req String = "appkey" max 64;
        timestamp: req DateTimeSec = "timestamp";
        /// 业务流水号
        applyno: req String = "applyno" max 64;
        /// 保函编号
        baohanno: req String = "baohanno" max 64;
        /// 收款账号
        payeraccount: opt BankAccount = "payeraccount" max 64;
        /// 赔付金额
        payeramount: opt Fen = "payeramount";
        /// 理赔文件列表, a JSON array as a string: [{"fileurl":"..."}]
        filelist: opt String = "filelist" max 16384;
        /// 理赔联系人
        applyusername: req PersonName = "applyusername" max 64;
        /// 理赔联系人电话
        applyuserphone: req Phone = "applyuserphone" max 32;
        /// 理赔原因
        reason: opt String = "Reason" max 1024;
        sign: req String = "sign" max 128;
    }
    check = check;
}

impl ClaimsNotice {
    /// The claim documents' URLs, from the `filelist` string.
    pub fn file_urls(&self) -> Vec<String> {
        self.filelist
            .as_deref()
            .and_then(parse_filelist)
            .unwrap_or_default()
    }
}

fn parse_filelist(text: &str) -> Option<Vec<String>> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text).ok()?;
    items
        .iter()
        .map(|item| item.get("fileurl")?.as_str().map(str::to_owned))
        .collect()
}

fn check(c: &ClaimsNotice) -> Result<(), crate::Invalid> {
    match c.filelist.as_deref() {
        Some(text) if parse_filelist(text).is_none() => Err(crate::Invalid::one(
            "filelist",
            crate::Problem::Format(r#"a JSON array string like [{"fileurl":"..."}]"#),
        )),
        _ => Ok(()),
    }
}

/// claimsnotice as a claim. The evidence stays where the platform keeps it;
/// its addresses go with the reason into the timeline. Without
/// `payeramount` the whole guaranteed amount is claimed; without
/// `payeraccount`, the 招标人's account from the application is paid.
pub fn to_command(c: &ClaimsNotice) -> Command {
    let mut reason = c.reason.clone();
    let files = c.file_urls();
    if !files.is_empty() {
        let list = files.join(" ");
        reason = Some(match reason {
            Some(r) => format!("{r}（理赔文件: {list}）"),
            None => format!("理赔文件: {list}"),
        });
    }
    Command::Claim(Box::new(Claim {
        guarantee_no: c.baohanno.clone(),
        application: Some(c.applyno.clone()),
        amount: c.payeramount,
        reason,
        payee_account: c.payeraccount.clone(),
        payee_open_bank: None,
        beneficiary: None,
        principal: None,
        claimant: Claimant {
            name: c.applyusername.clone(),
            phone: c.applyuserphone.clone(),
            id: None,
        },
    }))
}
