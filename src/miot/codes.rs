//! What the `code` of a MIoT reply entry means.
//!
//! Sources (facts, in our own words):
//! - device codes 0, 1, -4001 … -4007: Xiaomi's MIoT device SDK header
//!   `operation_code.h` (he0119/arduino-miio 63175a4, "Copyright 2019
//!   MIoT,MI"), the same values in Xiaomi's BLE spec library
//!   (telink-semi/tc_ble_mesh `mi_spec_type.h`);
//! - cloud and gateway codes -704…, -705…, -706…: XiaoMi/ha_xiaomi_home
//!   `miot/i18n/en.json` (`error.common`, f290ff1);
//! - -1000: python-miio's MIoT simulator (`ERR_INVALID_SETTING`), its
//!   answer for an unknown siid or piid.

/// The meaning of a result code, when known.
pub fn code_name(code: i64) -> Option<&'static str> {
    Some(match code {
        0 => "ok",
        1 => "accepted, not yet done",
        -1000 => "invalid setting (python-miio simulator: unknown siid or piid)",
        -4001 => "property not readable",
        -4002 => "property not writable",
        -4003 => "property, action or event does not exist",
        -4004 => "other internal error",
        -4005 => "property value error",
        -4006 => "action in-parameter error",
        -4007 => "did error",
        -704000000 => "unknown error (cloud)",
        -704010000 => "unauthorized: the device may have been deleted (cloud)",
        -704014006 => "device description not found (cloud)",
        -704030013 => "property not readable (cloud)",
        -704030023 => "property not writable (cloud)",
        -704030033 => "property not subscribable (cloud)",
        -704040002 => "service does not exist (cloud)",
        -704040003 => "property does not exist (cloud)",
        -704040004 => "event does not exist (cloud)",
        -704040005 => "action does not exist (cloud)",
        -704042001 | -704090001 => "device does not exist (cloud)",
        -704042011 => "device offline (cloud)",
        -704053036 | -704083036 => "device operation timed out (cloud)",
        -704053100 => "device cannot do this in its current state (cloud)",
        -704220008 => "invalid id (cloud)",
        -704220025 => "wrong number of action parameters (cloud)",
        -704220035 => "action parameter error (cloud)",
        -704220043 => "property value error (cloud)",
        -704222034 => "action return value error (cloud)",
        -705201013 | -706012013 => "property not readable (gateway)",
        -705201023 | -706012023 => "property not writable (gateway)",
        -705201015 | -706012015 => "action failed (gateway)",
        -706012043 => "property value error (gateway)",
        _ => return None,
    })
}
