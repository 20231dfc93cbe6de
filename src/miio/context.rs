//! Where a miIO frame sits in the capture: what both the one-frame
//! dissection (`dissect`) and the frames held for a later key (`pending`)
//! carry. Below both, so neither imports the other.

use crate::abi::miio_direction as Direction;
use crate::frame_table::FrameId;
use crate::miio::short_frame::Where;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameContext {
    pub number: u32,
    /// Place among the miIO frames of this packet (TCP may carry several).
    pub pdu: u32,
    /// The frame travels to or from the cloud (TCP, UDP 8053).
    pub cloud: bool,
    /// True on the second and later passes over this frame.
    pub visited: bool,
    /// Conversation (addresses and ports) the frame belongs to.
    pub conversation: u32,
    /// Absolute time, nanoseconds.
    pub time_ns: i128,
    pub direction: Direction,
    /// Hash of the client's address and port.
    pub client: u32,
}

impl Default for FrameContext {
    fn default() -> Self {
        FrameContext {
            number: 0,
            pdu: 0,
            cloud: false,
            visited: false,
            conversation: 0,
            time_ns: 0,
            direction: Direction::MIIO_DIRECTION_UNKNOWN,
            client: 0,
        }
    }
}

impl FrameContext {
    pub fn id(&self) -> FrameId {
        (self.number, self.pdu)
    }

    pub(crate) fn place(&self) -> Where {
        Where {
            conversation: self.conversation,
            direction: self.direction,
            client: self.client,
            time_ns: self.time_ns,
        }
    }
}
