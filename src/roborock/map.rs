//! A map response (protocol 301): a 24-byte header naming the request, then
//! AES-CBC of gzip under that request's security nonce, inflated with a cap.

use super::crypto;
use super::dissect::{Context, Dissection, Map, RoborockState};
use super::session::Scope;
use crate::inflate::{inflate, Format, Inflated};

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
    (d.map, st.map) = match inflate(&gz, Format::Gzip, MAP_CAP_BYTES) {
        Inflated::Broken => (Map::Failed { request_id }, Vec::new()),
        Inflated::TooLarge => (Map::TooLarge { request_id }, Vec::new()),
        Inflated::Whole(map) => (
            Map::Inflated {
                request_id,
                len: map.len(),
            },
            map,
        ),
    };
    d.reading.summary = format!("map response to id={request_id}");
}
