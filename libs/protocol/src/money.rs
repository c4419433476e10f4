//! Money on the wire: yuan text, read into the domain's integer [`Fen`].

pub use baohan_domain::money::Fen;
