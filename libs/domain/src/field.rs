//! The values a rule can name when it refuses. Each platform's adapter says
//! what its wire calls them (`baohan_protocol::adapter::Adapter::field`),
//! so a reason names the field the platform sent (`legalIdNo: 身份证号码无效`).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The applicant's credit code.
    CreditCode,
    /// The legal representative's resident ID number.
    LegalRepId,
    /// The contact's (经办人) resident ID number.
    ContactId,
    /// The guaranteed amount.
    Amount,
    /// 保证金截止时间.
    DepositDeadline,
    /// 开标时间.
    BidOpening,
    /// 投标有效期.
    ValidityDays,
    /// The last day of a period given by dates.
    PeriodEnd,
    /// A period given in months.
    PeriodMonths,
    /// A claim's principal (whose guarantee the claimant says it is).
    ClaimPrincipal,
    /// A claim's beneficiary (name and code).
    ClaimBeneficiary,
    /// The account a claim asks to be paid to.
    ClaimPayeeAccount,
}

impl Field {
    /// Its name in words, for a spec that has no field for it.
    pub fn zh(self) -> &'static str {
        match self {
            Field::CreditCode => "统一社会信用代码",
            Field::LegalRepId => "法定代表人身份证号码",
            Field::ContactId => "经办人身份证号码",
            Field::Amount => "担保金额",
            Field::DepositDeadline => "保证金截止时间",
            Field::BidOpening => "开标时间",
            Field::ValidityDays => "投标有效期",
            Field::PeriodEnd => "担保止期",
            Field::PeriodMonths => "担保期限",
            Field::ClaimPrincipal => "被保证人",
            Field::ClaimBeneficiary => "受益人",
            Field::ClaimPayeeAccount => "收款账号",
        }
    }
}
