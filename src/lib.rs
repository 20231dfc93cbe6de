//! miio-dissector: the Rust core of a Wireshark plugin for Xiaomi miIO and
//! Roborock traffic.
//!
//! Layout: `miio` (the miIO protocol: frames, crypto, JSON, links across
//! frames, one frame start to end), `mibeacon`
//! (Xiaomi BLE advertisements), `micloud` (the Mi Home cloud API; issue
//! 21, its cryptography so far), `miot` (MIoT
//! entries inside miIO, named from spec files), `roborock` (the Roborock
//! protocol, the same parts), `keys` (key table rows, the key file,
//! the store of configured and learned keys), `frame_table` (what the first
//! pass recorded per frame), `stream` (finding frames in TCP streams that
//! start anywhere), `state` (the one global: key
//! store + what the capture taught), `text` (quoting untrusted text), `ffi`
//! (the C ABI of include/miio_dissector.h), `abi` (its types, from bindgen),
//! `plugin` (the symbols Wireshark loads).

// `n % 16 == 0` stays: `is_multiple_of` needs Rust 1.87, and the plugin
// builds with older toolchains that distributions ship.
#![allow(clippy::manual_is_multiple_of)]

pub mod abi;
pub mod ffi;
pub mod frame_table;
pub mod inflate;
pub mod keys;
pub mod mibeacon;
pub mod micloud;
pub mod miio;
pub mod miot;
pub mod plugin;
pub mod roborock;
pub mod state;
pub mod stream;
pub mod text;
