//! Keys: rows of the `miio_keys` preference table (`row`, `roborock`
//! for Roborock local keys, `bindkey` for MiBeacon bindkeys), a text file of
//! keys (`file`), and the store of configured and learned keys (`store`) and its index by
//! device (`device_keys`).

pub mod bindkey;
pub mod device_keys;
pub mod file;
mod lines;
pub mod roborock;
pub mod roborock_file;
pub mod row;
pub mod ssecurity;
pub mod store;

pub use row::*;
