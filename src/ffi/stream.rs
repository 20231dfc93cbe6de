//! The TCP stream entry point of include/miio_dissector.h: where the next
//! miIO or Roborock frame starts, and what the bytes before it are.

use super::{bytes, guarded};
use crate::abi::{
    miio_status, miio_stream_context, miio_stream_protocol as Protocol, miio_stream_step,
    miio_stream_step_kind as Kind,
};
use crate::stream::{self, Start, Step};
use crate::{miio, roborock, state};

/// miIO's length field is a u16.
const MIIO_MAX_FRAME_LEN: usize = 0xFFFF;

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_stream_next(
    bytes_in: *const u8,
    avail: usize,
    ctx: *const miio_stream_context,
    step: *mut miio_stream_step,
) -> miio_status {
    guarded(|| {
        let (Some(data), Some(c), Some(step)) =
            (bytes(bytes_in, avail), ctx.as_ref(), step.as_mut())
        else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let (start, max_frame): (fn(&[u8]) -> Start, usize) = match c.protocol {
            Protocol::MIIO_STREAM_MIIO => (miio::frame::frame_start, MIIO_MAX_FRAME_LEN),
            Protocol::MIIO_STREAM_ROBOROCK => (
                roborock::frame::frame_start,
                roborock::frame::PREFIX_LEN + roborock::frame::MAX_FRAME_LEN,
            ),
        };
        let id = (c.conversation, c.sender);
        let next = stream::next(data, start);
        let sync = &mut state::lock().streams;
        if c.visited == 0 {
            match next {
                Step::Frame(_) | Step::MapBlob => sync.frame_at(id, c.frame_number),
                Step::Skip(n) => sync.skipped(id, c.frame_number, n, max_frame),
                Step::NeedMore => {}
            }
        }
        (step.kind, step.length, step.continuation) = match next {
            Step::NeedMore => (Kind::MIIO_STEP_NEED_MORE, 0, 0),
            Step::Frame(n) => (Kind::MIIO_STEP_FRAME, n, 0),
            Step::MapBlob => (Kind::MIIO_STEP_MAP_BLOB, avail, 0),
            Step::Skip(n) => (
                Kind::MIIO_STEP_SKIP,
                n,
                u8::from(sync.is_continuation(id, c.frame_number, c.frame_before != 0)),
            ),
        };
        miio_status::MIIO_OK
    })
}
