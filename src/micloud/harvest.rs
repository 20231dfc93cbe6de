//! What decrypted Mi cloud traffic gives the rest of the capture: the
//! ssecurity of a login reply, every device's token, model, IP and MAC from
//! a device list, and a BLE device's bindkey from `blt_get_beaconkey`.

use serde_json::Value;

use crate::keys::bindkey::{parse_mac, Bindkey};
use crate::keys::decode_hex16;

/// A login reply (`/pass/serviceLoginAuth2`): `&&&START&&&` then JSON with
/// the base64 `ssecurity`.
pub fn login_ssecurity(body: &[u8]) -> Option<Vec<u8>> {
    let json = body.strip_prefix(b"&&&START&&&")?;
    let v: Value = serde_json::from_slice(json).ok()?;
    super::crypto::b64(v.get("ssecurity")?.as_str()?).filter(|k| !k.is_empty())
}

/// One device of a device list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    /// As the cloud gives it: a decimal miIO device id, or `blt.3.…` for
    /// BLE devices.
    pub did: String,
    pub token: Option<[u8; 16]>,
    pub model: Option<String>,
    pub localip: Option<String>,
    pub mac: Option<[u8; 6]>,
    pub name: Option<String>,
}

impl Device {
    /// The miIO device id, for devices that speak miIO.
    pub fn miio_id(&self) -> Option<u32> {
        self.did.parse().ok()
    }
}

/// Devices of a decrypted reply: `result.list[]` (`/home/device_list`,
/// `/v2/home/device_list_page`, the Xiaomi Home integration's
/// `device_list_page`) or `result.device_info[]` (the app's
/// `/home/home_device_list`); at most `MAX_DEVICES`.
pub fn device_list(json: &[u8]) -> Vec<Device> {
    let Ok(v) = serde_json::from_slice::<Value>(json) else {
        return Vec::new();
    };
    let list = ["/result/list", "/result/device_info"]
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_array));
    let Some(list) = list else {
        return Vec::new();
    };
    list.iter().take(MAX_DEVICES).filter_map(device).collect()
}

pub const MAX_DEVICES: usize = 1024;

fn device(v: &Value) -> Option<Device> {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let did = match v.get("did")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(Device {
        did,
        token: text("token").and_then(decode_hex16),
        model: text("model").map(String::from),
        localip: text("localip").map(String::from),
        mac: text("mac").and_then(|m| parse_mac(m).ok().flatten()),
        name: text("name").map(String::from),
    })
}

/// `blt_get_beaconkey`: the request's `data` names the device, the reply
/// holds its key (24 or 32 hex digits).
pub fn beaconkey(request_data: &[u8], reply: &[u8]) -> Option<(String, Bindkey)> {
    let req: Value = serde_json::from_slice(request_data).ok()?;
    let did = req.get("did")?.as_str()?.to_string();
    let rep: Value = serde_json::from_slice(reply).ok()?;
    let key = rep.pointer("/result/beaconkey")?.as_str()?;
    Some((did, crate::keys::bindkey::parse_bindkey(key).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_reply() {
        let body = br#"&&&START&&&{"qs":"%3Fsid","ssecurity":"gH4pK8sE1rT6wQ2zX9cV3b==","code":0,"userId":123}"#;
        assert_eq!(login_ssecurity(body).map(|k| k.len()), Some(16));
        assert_eq!(
            login_ssecurity(br#"{"ssecurity":"gH4p"}"#),
            None,
            "no prefix"
        );
        assert_eq!(login_ssecurity(b"&&&START&&&{\"code\":70016}"), None);
    }

    #[test]
    fn devices_and_beaconkeys() {
        let reply = br#"{"code":0,"message":"ok","result":{"list":[
            {"did":"169552957","token":"3f4a1c2b9d8e7f60112233445566aa01","model":"zhimi.airp.rmb1","localip":"192.168.1.20","mac":"64:90:C1:AA:BB:CC","name":"Purifier"},
            {"did":"blt.3.1abcdefgh00","token":"","model":"miaomiaoce.sensor_ht.t2","mac":"A4:C1:38:02:83:F4","localip":""},
            {"did":42,"token":"short"},
            {"name":"no did"}]}}"#;
        let d = device_list(reply);
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].miio_id(), Some(0x0a1b2c3d));
        assert_eq!(d[0].token.unwrap()[0], 0x3f);
        assert_eq!(d[0].model.as_deref(), Some("zhimi.airp.rmb1"));
        assert_eq!(d[1].miio_id(), None);
        assert_eq!((d[1].token, d[1].mac.unwrap()[0]), (None, 0xA4));
        assert_eq!((d[2].did.as_str(), d[2].token), ("42", None));
        assert!(device_list(b"{\"result\":{}}").is_empty());
        let (did, key) = beaconkey(
            br#"{"did": "blt.3.1abcdefgh00", "pdid": 1}"#,
            br#"{"code":0,"result":{"beaconkey":"00112233445566778899aabbccddeeff"}}"#,
        )
        .unwrap();
        assert_eq!((did.as_str(), key.bytes()[1]), ("blt.3.1abcdefgh00", 0x11));
    }
}
