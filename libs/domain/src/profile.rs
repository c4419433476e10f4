//! What the bidder completes on the portal: the getbaohaninfo fields the
//! platform never sent. Parsed whole, so a [`Profile`] that exists is
//! complete and every value in it has passed its check; a form with
//! several mistakes gets all of them back at once, each naming its field.

use crate::ids::ResidentId;
use baohan_masking::{Address, BankAccount, Email, PersonName, Phone};

/// The field names, as getbaohaninfo spells them, in the order the page
/// shows them.
pub const FIELDS: [&str; 9] = [
    "biddercontact",
    "biddercontacttel",
    "bidderaddress",
    "bidderemail",
    "bidderpersonname",
    "bidderpersoncard",
    "bidderpersontel",
    "payername",
    "payeraccount",
];

/// A complete, checked profile. Personal values mask themselves in logs.
#[derive(Debug, Clone)]
pub struct Profile {
    /// 联系人
    pub contact: PersonName,
    /// 联系人电话
    pub contact_tel: Phone,
    /// 单位地址
    pub address: Address,
    /// 电子邮箱
    pub email: Email,
    /// 法定代表人
    pub legal_name: PersonName,
    /// 法定代表人身份证号码
    pub legal_id: ResidentId,
    /// 法定代表人电话
    pub legal_tel: Phone,
    /// 付款账户名称: the bidder itself (its basic account).
    pub payer_name: String,
    /// 付款账号
    pub payer_account: BankAccount,
}

/// One field that cannot be used, and why (in Chinese: the page shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

impl Profile {
    /// `get` reads a field as submitted (JSON or form). `bidder` is the
    /// applicant's name: the spec requires the premium to come from the
    /// bidder's basic account, so the payer must be the bidder.
    pub fn parse<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
        bidder: &str,
    ) -> Result<Profile, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut take = |field: &'static str, check: &dyn Fn(&str) -> Result<(), String>| {
            let value = get(field).map(str::trim).unwrap_or("");
            if value.is_empty() {
                problems.push(FieldProblem {
                    field,
                    message: "必填".into(),
                });
                return String::new();
            }
            if let Err(message) = check(value) {
                problems.push(FieldProblem { field, message });
            }
            value.to_owned()
        };
        let contact = take("biddercontact", &|v| text(v, 50));
        let contact_tel = take("biddercontacttel", &phone);
        let address = take("bidderaddress", &|v| text(v, 200));
        let email = take("bidderemail", &email);
        let legal_name = take("bidderpersonname", &|v| text(v, 50));
        let legal_id = take("bidderpersoncard", &|v| {
            ResidentId::parse(v)
                .map(|_| ())
                .map_err(|e| format!("身份证号码无效: {}", e.zh()))
        });
        let legal_tel = take("bidderpersontel", &phone);
        let payer_name = take("payername", &|v| {
            text(v, 200)?;
            if v != bidder.trim() {
                return Err(format!("须为投标人本单位基本户: {bidder}"));
            }
            Ok(())
        });
        let payer_account = take("payeraccount", &account);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Profile {
            contact: PersonName::new(contact),
            contact_tel: Phone::new(contact_tel),
            address: Address::new(address),
            email: Email::new(email),
            legal_name: PersonName::new(legal_name),
            legal_id: ResidentId::parse(&legal_id).map_err(|e| {
                vec![FieldProblem {
                    field: "bidderpersoncard",
                    message: e.to_string(),
                }]
            })?,
            legal_tel: Phone::new(legal_tel),
            payer_name,
            payer_account: BankAccount::new(payer_account),
        })
    }

    /// `(field, kind, value)` for the store's `personal_data`.
    pub fn entries(&self) -> [(&'static str, &'static str, &str); 9] {
        [
            ("biddercontact", "person_name", self.contact.expose()),
            ("biddercontacttel", "phone", self.contact_tel.expose()),
            ("bidderaddress", "address", self.address.expose()),
            ("bidderemail", "email", self.email.expose()),
            ("bidderpersonname", "person_name", self.legal_name.expose()),
            ("bidderpersoncard", "id_number", self.legal_id.expose()),
            ("bidderpersontel", "phone", self.legal_tel.expose()),
            ("payername", "account_name", &self.payer_name),
            ("payeraccount", "bank_account", self.payer_account.expose()),
        ]
    }
}

fn text(v: &str, max: usize) -> Result<(), String> {
    if v.chars().count() > max {
        return Err(format!("不能超过 {max} 个字"));
    }
    if v.chars().any(char::is_control) {
        return Err("含有不可见字符".into());
    }
    Ok(())
}

/// A mainland mobile number (11 digits from 1[3-9]), or a landline with
/// its area code (`0591-87654321`, 10 to 13 digits with one hyphen).
fn phone(v: &str) -> Result<(), String> {
    let b = v.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    let mobile = mobile && b.iter().all(u8::is_ascii_digit);
    let landline = match v.split_once('-') {
        Some((area, number)) => {
            area.starts_with('0')
                && (3..=4).contains(&area.len())
                && (7..=8).contains(&number.len())
                && area
                    .bytes()
                    .chain(number.bytes())
                    .all(|c| c.is_ascii_digit())
        }
        None => false,
    };
    if mobile || landline {
        Ok(())
    } else {
        Err("电话号码格式不正确 (手机 11 位, 或 区号-号码)".into())
    }
}

fn email(v: &str) -> Result<(), String> {
    let ok = v.len() <= 100
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err("电子邮箱格式不正确".into())
    }
}

/// Mainland bank account numbers are 8 to 32 digits.
fn account(v: &str) -> Result<(), String> {
    if (8..=32).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("银行账号须为 8 到 32 位数字".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const BIDDER: &str = "福建某某建设有限公司";

    fn good() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("biddercontact", "张三"),
            ("biddercontacttel", "13800138000"),
            ("bidderaddress", "福建省福州市鼓楼区五四路1号"),
            ("bidderemail", "zhang@example.com"),
            ("bidderpersonname", "李四"),
            ("bidderpersoncard", "11010519491231002X"),
            ("bidderpersontel", "0591-87654321"),
            ("payername", BIDDER),
            ("payeraccount", "6222020200112233"),
        ])
    }

    fn parse(m: &HashMap<&'static str, &'static str>) -> Result<Profile, Vec<FieldProblem>> {
        Profile::parse(|k| m.get(k).copied(), BIDDER)
    }

    #[test]
    fn a_complete_profile_parses_and_masks_itself() {
        let p = parse(&good()).unwrap();
        assert_eq!(
            p.entries()[5],
            ("bidderpersoncard", "id_number", "11010519491231002X")
        );
        let shown = format!("{p:?}");
        assert!(!shown.contains("11010519491231002X"), "{shown}");
        assert!(!shown.contains("6222020200112233"), "{shown}");
        assert!(!shown.contains("13800138000"), "{shown}");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut m = good();
        m.insert("bidderpersoncard", "110105194912310021");
        m.remove("bidderemail");
        m.insert("biddercontacttel", "12345");
        m.insert("payername", "别的公司");
        m.insert("payeraccount", "6222-0202");
        let problems = parse(&m).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "biddercontacttel",
                "bidderemail",
                "bidderpersoncard",
                "payername",
                "payeraccount"
            ]
        );
        assert_eq!(problems[1].message, "必填");
    }

    #[test]
    fn phones_and_emails() {
        for ok in ["13912345678", "0591-8765432", "010-87654321"] {
            assert!(phone(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1391234567",
            "12912345678",
            "591-87654321",
            "0591-12",
            "1391234567x",
        ] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        for bad in ["a@b", "@b.cn", "a@b.cn.", "a b@c.cn", "a@@b.cn"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email("a.b@c.com.cn").is_ok());
    }
}
