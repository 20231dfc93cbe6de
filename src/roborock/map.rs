//! A map response (protocol 301): a 24-byte header naming the request, then
//! AES-CBC of gzip under that request's security nonce, inflated with a cap.

use std::io::Read;

use super::crypto;
use super::dissect::{Context, Dissection, Map, RoborockState};
use super::session::Scope;

/// Inflated maps are cut here: a gzip bomb is hostile input.
pub const MAP_CAP_BYTES: usize = 32 << 20;
const MAP_HEADER_LEN: usize = 24;

/// A map response: a 24-byte header (endpoint, request id u16 LE at 16),
/// then AES-CBC of gzip under the request's security nonce.
pub(super) fn map_response(
    plain: &[u8],
    scope: &Scope,
    ctx: &Context,
    first_pass: bool,
    st: &mut RoborockState,
    d: &mut Dissection,
) {
    let Some(header) = plain.get(..MAP_HEADER_LEN) else {
        return;
    };
    let request_id = u16::from_le_bytes([header[16], header[17]]);
    if first_pass {
        let mut record = d.record;
        st.session.reply(
            scope.clone(),
            i64::from(request_id),
            ctx.id(),
            ctx.time_ns,
            &mut record,
        );
        d.record = record;
    }
    let Some(nonce) = st.session.map_nonce(scope, request_id) else {
        d.map = Map::NoNonce { request_id };
        return;
    };
    let Ok(gz) = crypto::decrypt_map(&nonce, &plain[MAP_HEADER_LEN..]) else {
        d.map = Map::Failed { request_id };
        return;
    };
    let mut map = Vec::new();
    let inflated = flate2::read::GzDecoder::new(gz.as_slice())
        .take(MAP_CAP_BYTES as u64 + 1)
        .read_to_end(&mut map);
    d.map = match inflated {
        Err(_) => Map::Failed { request_id },
        Ok(n) if n > MAP_CAP_BYTES => Map::TooLarge { request_id },
        Ok(len) => Map::Inflated { request_id, len },
    };
    st.map = if matches!(d.map, Map::Inflated { .. }) {
        map
    } else {
        Vec::new()
    };
    d.reading.summary = format!("map response to id={request_id}");
}
