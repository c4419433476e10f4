//! SM2 (GB/T 32918): keys, encryption and signatures.

pub mod cipher;
mod der;
pub mod keys;
pub mod sign;

pub use cipher::{Accept, CipherFormat, Layout, decrypt, encrypt};
pub use keys::{PrivateKey, PublicKey};
pub use sign::{DEFAULT_USER_ID, sign, verify};
