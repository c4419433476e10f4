//! Spec 11.1: the response codes, in one place.

crate::wire_enum! {
    /// 错误码
    pub enum ResponseCode {
        /// 成功
        Success = "000",
        /// 数据接收失败, 数据验签未通过
        SignFailed = "101",
        /// 数据接收失败, 数据解密失败
        DecryptFailed = "102",
        /// 数据接收失败, 请求参数校验未通过
        InvalidParams = "103",
        /// 业务处理失败, 项目编号不存在
        ProjectNotFound = "201",
        /// 业务处理失败, 合同编号不存在
        ContractNotFound = "202",
        /// 业务处理失败, 保函唯一标识/保函申请编号不存在
        GuaranteeNotFound = "203",
        /// 业务处理失败, 供应商信息不存在
        SupplierNotFound = "204",
        /// 系统服务暂停, 请稍候
        ServicePaused = "301",
        /// 服务器异常
        ServerError = "302",
    }
}

impl ResponseCode {
    /// The spec's own wording, used as the message unless a detail is added.
    pub fn text(self) -> &'static str {
        match self {
            ResponseCode::Success => "成功",
            ResponseCode::SignFailed => "数据接收失败, 数据验签未通过",
            ResponseCode::DecryptFailed => "数据接收失败, 数据解密失败",
            ResponseCode::InvalidParams => "数据接收失败, 请求参数校验未通过",
            ResponseCode::ProjectNotFound => "业务处理失败, 项目编号不存在",
            ResponseCode::ContractNotFound => "业务处理失败, 合同编号不存在",
            ResponseCode::GuaranteeNotFound => "业务处理失败, 保函唯一标识/保函申请编号不存在",
            ResponseCode::SupplierNotFound => "业务处理失败, 供应商信息不存在",
            ResponseCode::ServicePaused => "系统服务暂停, 请稍候",
            ResponseCode::ServerError => "服务器异常",
        }
    }

    pub fn is_success(self) -> bool {
        self == ResponseCode::Success
    }
}
