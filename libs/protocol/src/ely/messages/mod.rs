//! The nine ELY transcodes, one file each. These are the business JSON
//! objects carried (encrypted) in the envelope's `data`.

pub mod ely101;
pub mod ely102;
pub mod ely103;
pub mod ely104;
pub mod ely105;
pub mod ely106;
pub mod ely107;
pub mod ely108;
pub mod ely109;

pub use ely101::{Ely101, NeedPaper, PurchaseNature};
pub use ely102::{ApplicationStatus, Ely102, PayType};
pub use ely103::{Ely103, Ely103Response};
pub use ely104::{Ely104, Ely104Response, VerifyStatus};
pub use ely105::Ely105;
pub use ely106::{ClaimStatus, Ely106};
pub use ely107::{Ely107, InvalidType};
pub use ely108::Ely108;
pub use ely109::{ApplicationType, Ely109};

pub(crate) use crate::wire::{FILE_MAX, finish, required_because};
