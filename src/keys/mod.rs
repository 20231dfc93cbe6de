//! Keys: rows of the `miio_keys` preference table (`row`, `roborock`
//! for Roborock local keys, `bindkey` for MiBeacon bindkeys), a text file of
//! keys (`file`) or a file another tool wrote (`imports`), and the store of
//! configured and learned keys (`store`) and its index by device
//! (`device_keys`).

pub mod bindkey;
pub mod device_keys;
pub mod file;
pub mod imports;
mod lines;
pub mod roborock;
pub mod roborock_file;
pub mod row;
pub mod ssecurity;
pub mod store;

pub use row::*;
