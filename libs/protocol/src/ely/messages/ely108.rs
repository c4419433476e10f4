use crate::wire::DateTimeSec;

crate::wire_message! {
    /// ELY108 保函注销结果推送: we report that a guarantee is cancelled.
    pub struct Ely108 {
        /// 保函唯一标识
        guarantee_id: req String = "guaranteeId" max 64;
        /// 注销时间
        cancel_date: req DateTimeSec = "cancelDate";
        /// 注销通知文本
        cancel_notice: opt String = "cancelNotice" max 200;
    }
}
