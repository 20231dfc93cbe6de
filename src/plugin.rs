//! The symbols Wireshark's plugin loader looks up. They live on the Rust
//! side because a Rust cdylib exports only Rust `#[no_mangle]` items; each
//! forwards to the C shim, which does the epan registration.

use std::ffi::c_int;

use crate::abi::wireshark_version::{WIRESHARK_VERSION_MAJOR, WIRESHARK_VERSION_MINOR};
use crate::abi::{miio_shim_plugin_describe, miio_shim_plugin_register};

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

const fn c_string<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

#[no_mangle]
#[used]
pub static plugin_version: [u8; VERSION.len()] = c_string(VERSION);

// The loader refuses a plugin built for another major.minor, so these come
// from the headers this build used, never from a hard-coded number.
#[no_mangle]
#[used]
pub static plugin_want_major: c_int = WIRESHARK_VERSION_MAJOR as c_int;

#[no_mangle]
#[used]
pub static plugin_want_minor: c_int = WIRESHARK_VERSION_MINOR as c_int;

#[no_mangle]
pub extern "C" fn plugin_register() {
    // Registration runs once at start-up and only calls into epan; a panic
    // cannot start here, and none may cross back into C.
    let _ = std::panic::catch_unwind(|| unsafe { miio_shim_plugin_register() });
}

/// Read by Wireshark 4.4 and later to list the plugin's type.
#[no_mangle]
pub extern "C" fn plugin_describe() -> u32 {
    unsafe { miio_shim_plugin_describe() }
}
