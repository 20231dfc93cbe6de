//! The Roborock protocol (local TCP 58867, discovery on UDP 58866, MQTT
//! payloads): `frame` (the frame and the broadcast), `crypto` (1.0, A01,
//! B01, L01, discovery, maps), `payload` (the dps JSON and the RPC inside
//! it), `session` (hello nonces, keys per scope, links, map nonces),
//! `data_points` (pushed data points named, from `dp_tables`),
//! `map` (map responses), `discovery` (broadcasts), `dissect` (one frame
//! start to end). Pure: nothing here knows about
//! Wireshark.

pub mod crypto;
pub mod data_points;
mod discovery;
pub mod dissect;
mod dp_tables;
pub mod frame;
mod map;
pub mod payload;
pub mod session;
