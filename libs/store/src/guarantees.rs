//! The read side of issued guarantees, for the synchronous queries
//! (Fujian getbaohaninfo, ELY103, ELY104).

use crate::applications::{self, AppRow, Find};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct IssuedGuarantee {
    pub guarantee_no: String,
    pub external_no: String,
    pub amount_fen: i64,
    pub status: String,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
}

const SELECT: &str = "select g.guarantee_no, a.external_no, g.amount_fen, g.status,
        g.valid_from, g.valid_to, g.issued_at
    from guarantees g join applications a on a.id = g.application_id
    where a.platform_id = $1";

fn row_to(row: &tokio_postgres::Row) -> IssuedGuarantee {
    IssuedGuarantee {
        guarantee_no: row.get(0),
        external_no: row.get(1),
        amount_fen: row.get(2),
        status: row.get(3),
        valid_from: row.get(4),
        valid_to: row.get(5),
        issued_at: row.get(6),
    }
}

/// One of an application's files, as getbaohaninfo lists it.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub kind: String,
    pub file_name: String,
    /// Upper-case MD5, as the platforms check it.
    pub md5: String,
}

/// Everything getbaohaninfo answers with.
#[derive(Debug, Clone)]
pub struct GuaranteeFiles {
    pub guarantee: IssuedGuarantee,
    pub app: AppRow,
    /// The profile (payer, contacts, legal representative).
    pub personal: HashMap<String, String>,
    pub files: Vec<FileInfo>,
    /// The signed letter itself (baohanfile).
    pub letter: Vec<u8>,
    /// How the premium was paid: `sandbox` (online) or `transfer`.
    pub pay_channel: Option<String>,
}

impl Store {
    /// What getbaohaninfo needs, by applyno and guarantee number; `None`
    /// unless the two name the same issued guarantee.
    pub async fn guarantee_files(
        &self,
        platform_id: &str,
        external_no: &str,
        guarantee_no: &str,
    ) -> Result<Option<GuaranteeFiles>, StoreError> {
        let client = self.client().await?;
        let sql = format!("{SELECT} and a.external_no = $2 and g.guarantee_no = $3");
        let Some(guarantee) = client
            .query_opt(&sql, &[&platform_id, &external_no, &guarantee_no])
            .await?
            .as_ref()
            .map(row_to)
        else {
            return Ok(None);
        };
        let key = Find::External {
            platform_id,
            external_no,
        };
        let Some(app) = applications::find(&client, key, false).await? else {
            return Ok(None);
        };
        let personal = crate::claims::personal_of(&client, "application", app.id).await?;
        let rows = client
            .query(
                "select kind, file_name, coalesce(md5, upper(md5(content))),
                   case when kind = 'letter' then content end
                 from documents where application_id = $1 order by kind",
                &[&app.id],
            )
            .await?;
        let mut letter = Vec::new();
        let mut files = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(content) = r.get::<_, Option<Vec<u8>>>(3) {
                letter = content;
            }
            files.push(FileInfo {
                kind: r.get(0),
                file_name: r.get(1),
                md5: r.get(2),
            });
        }
        let pay_channel = client
            .query_opt(
                "select channel from payments where application_id = $1
                   and status in ('paid', 'refunded') order by created_at desc limit 1",
                &[&app.id],
            )
            .await?
            .map(|r| r.get(0));
        Ok(Some(GuaranteeFiles {
            guarantee,
            app,
            personal,
            files,
            letter,
            pay_channel,
        }))
    }

    /// One document's content by kind (the portal's signed downloads, ELY103):
    /// `(file_name, media_type, content)`.
    pub async fn document_content(
        &self,
        platform_id: &str,
        external_no: &str,
        kind: &str,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "select d.file_name, d.media_type, d.content
                 from documents d join applications a on a.id = d.application_id
                 where a.platform_id = $1 and a.external_no = $2 and d.kind = $3
                 order by d.created_at desc limit 1",
                &[&platform_id, &external_no, &kind],
            )
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }

    /// By the platform's application number (applyno, applicationId).
    pub async fn guarantee_by_application(
        &self,
        platform_id: &str,
        external_no: &str,
    ) -> Result<Option<IssuedGuarantee>, StoreError> {
        let client = self.client().await?;
        let sql = format!("{SELECT} and a.external_no = $2");
        let row = client
            .query_opt(&sql, &[&platform_id, &external_no])
            .await?;
        Ok(row.as_ref().map(row_to))
    }

    /// By our guarantee number (ELY guaranteeId).
    pub async fn guarantee_by_no(
        &self,
        platform_id: &str,
        guarantee_no: &str,
    ) -> Result<Option<IssuedGuarantee>, StoreError> {
        let client = self.client().await?;
        let sql = format!("{SELECT} and g.guarantee_no = $2");
        let row = client
            .query_opt(&sql, &[&platform_id, &guarantee_no])
            .await?;
        Ok(row.as_ref().map(row_to))
    }
}
