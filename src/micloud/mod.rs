//! The Mi Home cloud API (`https://<cc>.api.io.mi.com/app/…`), as Wireshark
//! shows it once TLS is decrypted: form-encoded requests whose values are
//! RC4 ciphertext, base64 RC4 replies, keys (ssecurity) from the login reply.
//!
//! `crypto` (signed nonce, RC4-drop1024, the request hashes), `form` (form
//! bodies), `message` (a request or response decrypted with one key),
//! `harvest` (ssecurity from a login reply, tokens, models and bindkeys),
//! `session` (keys, requests waiting for replies, per-frame records),
//! `paths` (a path recovered from its signature), `dissect` (one body whole), `apply` (harvested keys into the stores),
//! `summary` (the Info column). Pure: nothing
//! here knows about Wireshark. Work in progress for issue 21.

pub mod apply;
pub mod crypto;
pub mod dissect;
pub mod form;
pub mod harvest;
pub mod message;
pub mod miot_calls;
pub mod mqtt;
pub mod paths;
pub mod reply;
pub mod session;
pub mod summary;
