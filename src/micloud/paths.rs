//! The request path when the capture does not give it (HTTP/2 compresses
//! its headers, and Wireshark does not hand them to body dissectors): the
//! RC4 `signature` covers the path, so a path whose signature verifies is
//! the request's. Tried: the API paths community clients call (python-miio,
//! micloud, hass-xiaomi-miot, the token extractors), and `/home/rpc/<did>`
//! for the device ids the capture's device lists gave.

use super::crypto::SignedNonce;
use super::message::{decrypt, Check, Request};

const KNOWN: &[&str] = &[
    "/app/home/device_list",
    "/app/v2/home/device_list_page",
    "/app/v2/device/blt_get_beaconkey",
    "/app/miotspec/prop/get",
    "/app/miotspec/prop/set",
    "/app/miotspec/action",
    "/app/home/getmapfileurl",
    "/app/v2/home/get_interim_file_url",
    "/app/v2/homeroom/gethome",
    "/app/v2/homeroom/get_dev_room_page",
    "/app/v2/user/get_device_cnt",
    "/app/user/get_user_device_data",
    "/app/home/latest_version",
    "/app/home/profile",
    "/app/v2/device/get_extra_info",
    "/app/service/getappconfig",
];

/// The path whose signature verifies, when one of those does.
pub fn recover<'a>(
    req: &Request,
    key: &SignedNonce,
    dids: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let verifies = |path: &str| {
        decrypt(req, "POST", Some(path), key).is_some_and(|d| d.signature == Check::Good)
    };
    if let Some(p) = KNOWN.iter().find(|p| verifies(p)) {
        return Some(p.to_string());
    }
    dids.map(|did| format!("/app/home/rpc/{did}"))
        .find(|p| verifies(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::micloud::crypto::{b64, signed_nonce};
    use crate::micloud::form::parse;
    use crate::micloud::message::request;

    // micloud 0.6's body for /app/v2/device/blt_get_beaconkey (message_tests.rs).
    const BODY: &str = "data=a%2BzX0TB%2Flu6PE%2BSAR4ijR0DSdFgqod4T2aCQHmH9V67vEhMz5O39&rc4_hash__=YbeC4g5q%2FI%2BeBc67Wvq0OWnqY3d9le48k9SKDw%3D%3D&signature=TUws6p0OJpBBrt%2BRcIIWaLyF%2FgQ%3D&ssecurity=gH4pK8sE1rT6wQ2zX9cV3b%3D%3D&_nonce=q8mQzU1bR0kBrC7%2B";

    #[test]
    fn the_signed_path_is_found() {
        let req = request(parse(BODY.as_bytes()).unwrap()).unwrap();
        let key = signed_nonce(&b64("gH4pK8sE1rT6wQ2zX9cV3b==").unwrap(), &req.nonce).unwrap();
        assert_eq!(
            recover(&req, &key, std::iter::empty()).as_deref(),
            Some("/app/v2/device/blt_get_beaconkey")
        );
        let other = signed_nonce(&[1; 16], &req.nonce).unwrap();
        assert_eq!(recover(&req, &other, ["42"].into_iter()), None);
    }
}
