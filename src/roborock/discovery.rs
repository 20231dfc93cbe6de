//! A discovery broadcast (UDP 58866): decrypted with the fixed broadcast
//! key; its duid is tied to the sender's address for the frames after it.

use super::crypto::{self, CryptoError};
use super::dissect::{Context, Decrypt, Dissection, RoborockState};
use super::frame::{self, Version};

pub(super) fn discovery(
    bytes: &[u8],
    ctx: &Context,
    st: &mut RoborockState,
    out: &mut [u8],
    d: &mut Dissection,
) {
    let b = match frame::parse_broadcast(bytes) {
        Ok(b) => b,
        Err(e) => {
            d.error = Some(e);
            return;
        }
    };
    d.broadcast = Some(b);
    let payload = &bytes[b.offset..b.offset + b.len];
    let plain = match b.version {
        Version::L01 => {
            crypto::decrypt_broadcast_l01(&bytes[..frame::BROADCAST_HEADER_LEN], payload)
        }
        _ => crypto::decrypt_broadcast_v1(payload),
    };
    let plain = match plain {
        Ok(p) => p,
        Err(e) => {
            d.decrypt = match e {
                CryptoError::BadLength => Decrypt::BadLength,
                CryptoError::BadPadding => Decrypt::BadPadding,
                CryptoError::BadTag => Decrypt::BadTag,
            };
            return;
        }
    };
    d.decrypt = Decrypt::Ok;
    let n = plain.len().min(out.len());
    out[..n].copy_from_slice(&plain[..n]);
    d.plaintext_len = n;
    d.plaintext_utf8 = std::str::from_utf8(&plain[..n]).is_ok();
    let v: serde_json::Value = serde_json::from_slice(&plain).unwrap_or_default();
    d.duid = v.get("duid").and_then(|x| x.as_str()).map(str::to_string);
    let ip = v.get("ip").and_then(|x| x.as_str()).unwrap_or("?");
    d.reading.summary = match &d.duid {
        Some(duid) => format!(
            "Discovery: duid {}, ip {}",
            crate::text::capped(duid, 40, |c| c.is_ascii_graphic()),
            crate::text::capped(ip, 40, |c| c.is_ascii_graphic())
        ),
        None => "Discovery".into(),
    };
    if !ctx.visited {
        if let Some(duid) = &d.duid {
            st.session.discovered(ctx.device_address, duid.clone());
        }
    }
}
