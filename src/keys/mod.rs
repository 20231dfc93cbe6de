//! Keys: rows of the `miio_keys` preference table (`row`), a text file of
//! keys (`file`), and the store of configured and learned keys (`store`).

pub mod file;
pub mod row;
pub mod store;

pub use row::*;
