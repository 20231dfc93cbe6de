//! Xiaomi MiBeacon: BLE advertisements (service data 0xFE95, manufacturer
//! data 0x038F) from Xiaomi's Bluetooth sensors, locks and buttons.
//!
//! `frame` (frame control, product, counter, MAC, capability, where the
//! objects or the ciphertext are), `crypto` (v4/v5 AES-CCM with a bindkey,
//! v2/v3 legacy), `objects` (the objects and the readings they carry, made
//! by `readings`' decoders), `quantities` (what readings measure),
//! `products` (product ids named). Pure: nothing here knows about Wireshark.
//!
//! `keyring` (the bindkeys, and which verified for each advertiser) and
//! `dissect` (one frame, whole: what the shim draws).

pub mod crypto;
pub mod dissect;
pub mod frame;
pub mod keyring;
pub mod locate;
pub mod objects;
pub mod products;
pub mod quantities;
mod readings;

#[cfg(test)]
mod all_vectors_tests;
#[cfg(test)]
mod dissect_tests;
#[cfg(test)]
mod vector_tests;
