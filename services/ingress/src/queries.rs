//! The synchronous queries, answered from the store: Fujian getbaohaninfo,
//! ELY103 (file query) and ELY104 (verification).
//!
//! They answer from what issuance has written. A guarantee that is not
//! issued is a business error the platform understands (ELY 203; Fujian
//! code 0 with the reason), never an empty success. The letter itself
//! (file, structured data, signature check) is served once issuance
//! stores it; until then an issued guarantee without its letter is
//! reported the same way, with a reason that says so.

use crate::State;
use crate::refusal::Refusal;
use baohan_protocol::ely::messages::{Ely103, Ely104};
use baohan_protocol::fujian::messages::GetBaohanInfo;
use baohan_protocol::wire::Map;

pub async fn getbaohaninfo(
    state: &State,
    platform_id: &str,
    q: &GetBaohanInfo,
) -> Result<Map, Refusal> {
    match state
        .store
        .guarantee_by_application(platform_id, &q.applyno)
        .await?
    {
        Some(g) if g.guarantee_no == q.baohanno => Err(Refusal::NotFound(format!(
            "baohanno {}: the letter file is not available yet",
            q.baohanno
        ))),
        _ => Err(Refusal::NotFound(format!(
            "applyno {} / baohanno {}: no such issued guarantee",
            q.applyno, q.baohanno
        ))),
    }
}

pub async fn ely103(state: &State, platform_id: &str, q: &Ely103) -> Result<Map, Refusal> {
    match state
        .store
        .guarantee_by_application(platform_id, &q.application_id)
        .await?
    {
        Some(g) => Err(Refusal::NotFound(format!(
            "applicationId {}: guarantee {} has no letter file yet",
            q.application_id, g.guarantee_no
        ))),
        None => Err(Refusal::NotFound(format!(
            "applicationId {}: no issued guarantee",
            q.application_id
        ))),
    }
}

pub async fn ely104(state: &State, platform_id: &str, q: &Ely104) -> Result<Map, Refusal> {
    match state
        .store
        .guarantee_by_no(platform_id, &q.guarantee_id)
        .await?
    {
        Some(_) => Err(Refusal::NotFound(format!(
            "guaranteeId {}: no signed letter to verify against yet",
            q.guarantee_id
        ))),
        None => Err(Refusal::NotFound(format!(
            "guaranteeId {}: no such guarantee",
            q.guarantee_id
        ))),
    }
}
