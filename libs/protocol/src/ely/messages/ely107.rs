use crate::wire::DateTimeSec;
use baohan_domain::command::{Command, Invalidation};

crate::wire_enum! {
    /// 保函失效类型
    pub enum InvalidType {
        /// 项目履约完成（采购人发起）
        PerformanceCompleted = "0",
        /// 保函文件格式错误（采购人发起）
        FileFormatError = "1",
    }
}

crate::wire_message! {
    /// ELY107 保函失效通知: the purchaser releases the guarantee.
    pub struct Ely107 {
        /// 保函唯一标识
        guarantee_id: req String = "guaranteeId" max 64;
        /// 保函失效时间
        invalid_time: req DateTimeSec = "invalidTime";
        /// 保函失效类型
        invalid_type: req InvalidType = "invalidType";
        /// 预留字段
        remark: opt String = "remark" max 1024;
    }
}

/// ELY107 as an invalidation, with why in words: the type, and the remark
/// when there is one.
pub fn to_command(i: &Ely107) -> Command {
    let kind = match i.invalid_type {
        InvalidType::PerformanceCompleted => "项目履约完成",
        InvalidType::FileFormatError => "保函文件格式错误",
    };
    let why = match &i.remark {
        Some(r) if !r.trim().is_empty() => format!("{kind}: {}", r.trim()),
        _ => kind.to_owned(),
    };
    Command::Invalidate(Invalidation {
        guarantee_no: i.guarantee_id.clone(),
        why,
    })
}
