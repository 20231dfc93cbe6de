//! The miIO protocol (UDP 54321, the Mi cloud on UDP/TCP 8053 and TCP 80):
//! `frame` (header parsing), `crypto` (checksum, AES), `payload` (reading
//! the JSON), `short_frame` (what a 32-byte frame is), `session` (links
//! across frames), `context` (where a frame sits), `pending` (frames
//! waiting for a key), `dissect` (one frame start to
//! end). Pure: nothing here knows about Wireshark.

pub mod context;
pub mod crypto;
pub mod dissect;
pub mod frame;
pub mod mdns;
pub mod payload;
pub mod pending;
pub mod port80;
pub mod session;
pub mod short_frame;

#[cfg(test)]
pub(crate) mod test_frames;
