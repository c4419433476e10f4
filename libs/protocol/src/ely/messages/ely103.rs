use baohan_domain::command::Query;

crate::wire_message! {
    /// ELY103 保函文件查询: the platform fetches the guarantee file.
    /// The response travels in a digital envelope.
    pub struct Ely103 {
        /// 申请编号
        application_id: req String = "applicationId" max 64;
    }
}

crate::wire_message! {
    /// ELY103's business response.
    pub struct Ely103Response {
        /// 文件名, must end in .pdf
        guarantee_file_name: req String = "guaranteeFileName" max 255;
        /// 电子保函文本, standard Base64 (java.util.Base64)
        guarantee_file_content: req String = "guaranteeFileContent" max super::FILE_MAX;
    }
    check = check;
}

fn check(r: &Ely103Response) -> Result<(), crate::Invalid> {
    if r.guarantee_file_name.to_ascii_lowercase().ends_with(".pdf") {
        Ok(())
    } else {
        Err(crate::Invalid::one(
            "guaranteeFileName",
            crate::Problem::Format("a file name ending in .pdf"),
        ))
    }
}

/// ELY103 as the domain's question: the signed letter.
pub fn to_query(q: &Ely103) -> Query {
    Query::Letter {
        application: q.application_id.clone(),
    }
}
