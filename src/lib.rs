//! miio-dissector: the Rust core of a Wireshark plugin for Xiaomi miIO.
//!
//! Layout: `frame` (header parsing), `crypto` (checksum, AES), `keys` (key
//! table rows), `key_file` (a text file of keys), `key_store` (configured and
//! learned keys), `session` (links across frames), `state` (the one global:
//! key store + session), `dissect` (one frame start to end), `payload`
//! (reading the JSON), `text` (quoting untrusted text), `ffi` (the C ABI of
//! include/miio_dissector.h), `plugin` (the symbols Wireshark loads).

// `n % 16 == 0` stays: `is_multiple_of` needs Rust 1.87, and the plugin
// builds with older toolchains that distributions ship.
#![allow(clippy::manual_is_multiple_of)]

pub mod abi;
pub mod crypto;
pub mod dissect;
pub mod ffi;
pub mod frame;
pub mod key_file;
pub mod key_store;
pub mod keys;
pub mod payload;
pub mod pending;
pub mod plugin;
pub mod session;
pub mod short_frame;
pub mod state;
pub mod text;

#[cfg(test)]
mod test_frames;
