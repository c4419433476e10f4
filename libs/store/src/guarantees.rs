//! The read side of issued guarantees, for the synchronous queries
//! (Fujian getbaohaninfo, ELY103, ELY104).

use crate::{Store, StoreError};
use chrono::{DateTime, Utc};

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

impl Store {
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

    /// One of an issued guarantee's documents (`letter`, `guarantee_xml`,
    /// `application_form`), by the platform's application number:
    /// `(guarantee_no, file_name, content, md5)`.
    pub async fn issued_document(
        &self,
        platform_id: &str,
        external_no: &str,
        kind: &str,
    ) -> Result<Option<(String, String, Vec<u8>, String)>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "select g.guarantee_no, d.file_name, d.content, coalesce(d.md5, '')
                 from guarantees g
                 join applications a on a.id = g.application_id
                 join documents d on d.guarantee_id = g.id and d.kind = $3
                 where a.platform_id = $1 and a.external_no = $2",
                &[&platform_id, &external_no, &kind],
            )
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))))
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
