//! What a 32-byte frame (a header and no payload) is. Bytes 16..31 are a
//! checksum, a token or a fill, and only the traffic around the frame tells
//! which: on a cloud connection it is the cloud's time sync or a keep-alive;
//! locally it is a hello reply only when it answers a hello, and a ping when
//! its bytes 16..31 verify as MD5(header[0..16] ‖ token) under a known key
//! (the Roborock firmware-update tool sends one before `miIO.ota`, and the
//! device echoes it unchanged).

use std::collections::{HashMap, HashSet};

use crate::abi::miio_direction as Direction;

/// A hello reply answers a hello from the same client within this time
/// (python-miio waits 5 s for hello replies; discovery gets several).
const HELLO_ANSWER_NS: i128 = 10_000_000_000;

pub type Frame32 = [u8; 32];

/// What a 32-byte frame turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortFrame {
    /// The cloud's answer to the device's cloud hello.
    TimeSync,
    /// Any other 32-byte frame on a cloud connection; `echo` when it repeats
    /// the previous one.
    KeepAlive { echo: bool },
    /// A local 32-byte frame that is not a hello reply; `echo` when it is
    /// the device's copy of the frame just sent to it.
    Ping { echo: bool },
    /// The device's answer to a hello; bytes 16..31 may be its token.
    HelloReply,
}

/// What is known about a local 32-byte frame that is not a hello request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalEvidence {
    /// Bytes 16..31 verify as a checksum under a key known for the device.
    pub checksum_verifies: bool,
    /// Sent by the device (or the direction is unknown).
    pub from_device: bool,
    /// A hello from the same client came shortly before.
    pub answers_hello: bool,
    /// The same 32 bytes were just sent to the device.
    pub echo: bool,
    /// The stamp is not the one the client just sent (a device stamps its
    /// frames with its own clock; an echo keeps the client's stamp).
    pub device_stamp: bool,
}

/// Decides what a local 32-byte frame is.
pub fn local_short_frame(e: &LocalEvidence) -> ShortFrame {
    let hello_reply =
        !e.checksum_verifies && e.from_device && e.answers_hello && !e.echo && e.device_stamp;
    if hello_reply {
        ShortFrame::HelloReply
    } else {
        ShortFrame::Ping { echo: e.echo }
    }
}

/// The capture's memory for 32-byte frames.
#[derive(Debug, Default)]
pub struct ShortFrames {
    /// Conversations in which a device said hello to the cloud.
    cloud_conversations: HashSet<u32>,
    /// Cloud conversations whose hello has not been answered yet.
    awaiting_time_sync: HashSet<u32>,
    /// The last keep-alive of each cloud conversation, to recognise echoes.
    last_keepalive: HashMap<u32, Frame32>,
    /// Client (address and port hash) → time of its last hello request.
    hellos: HashMap<u32, i128>,
    /// Conversation → the last 32-byte frame sent to the device.
    last_to_device: HashMap<u32, Frame32>,
}

impl ShortFrames {
    /// A device's hello to the cloud: the conversation is a cloud connection
    /// and its next 32-byte frame is the cloud's time sync.
    pub fn cloud_hello(&mut self, conversation: u32) {
        self.cloud_conversations.insert(conversation);
        self.awaiting_time_sync.insert(conversation);
    }

    pub fn is_cloud(&self, conversation: u32) -> bool {
        self.cloud_conversations.contains(&conversation)
    }

    /// Names a 32-byte frame seen on a cloud connection.
    pub fn cloud_short_frame(&mut self, conversation: u32, bytes: &Frame32) -> ShortFrame {
        self.cloud_conversations.insert(conversation);
        if self.awaiting_time_sync.remove(&conversation) {
            return ShortFrame::TimeSync;
        }
        let echo = self.last_keepalive.get(&conversation) == Some(bytes);
        if echo {
            self.last_keepalive.remove(&conversation);
        } else {
            self.last_keepalive.insert(conversation, *bytes);
        }
        ShortFrame::KeepAlive { echo }
    }

    pub fn hello_request(&mut self, client: u32, time_ns: i128) {
        self.hellos.insert(client, time_ns);
    }

    /// Gathers what the traffic says about a local 32-byte frame (all but
    /// the checksum) and remembers it for the frames after it.
    pub fn local_evidence(&mut self, bytes: &Frame32, at: &Where) -> LocalEvidence {
        let from_device = at.direction != Direction::MIIO_DIRECTION_TO_DEVICE;
        if !from_device {
            self.last_to_device.insert(at.conversation, *bytes);
            return LocalEvidence::default();
        }
        let sent = self.last_to_device.get(&at.conversation);
        let echo = sent == Some(bytes);
        let stamp = |f: &Frame32| [f[12], f[13], f[14], f[15]];
        let answers_hello = self
            .hellos
            .get(&at.client)
            .is_some_and(|&t| (0..=HELLO_ANSWER_NS).contains(&(at.time_ns - t)));
        LocalEvidence {
            checksum_verifies: false,
            from_device,
            answers_hello,
            echo,
            device_stamp: sent.is_none_or(|f| stamp(f) != stamp(bytes)),
        }
    }
}

/// Where a frame travels: enough of the frame context for this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Where {
    pub conversation: u32,
    pub direction: Direction,
    pub client: u32,
    pub time_ns: i128,
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i128 = 1_000_000_000;

    fn at(direction: Direction, time_ns: i128) -> Where {
        Where {
            conversation: 1,
            direction,
            client: 77,
            time_ns,
        }
    }
    const TO: Direction = Direction::MIIO_DIRECTION_TO_DEVICE;
    const FROM: Direction = Direction::MIIO_DIRECTION_FROM_DEVICE;

    #[test]
    fn a_checksum_that_verifies_makes_a_ping_even_after_a_hello() {
        let e = LocalEvidence {
            checksum_verifies: true,
            from_device: true,
            answers_hello: true,
            echo: false,
            device_stamp: true,
        };
        assert_eq!(local_short_frame(&e), ShortFrame::Ping { echo: false });
        let e = LocalEvidence {
            checksum_verifies: false,
            ..e
        };
        assert_eq!(local_short_frame(&e), ShortFrame::HelloReply);
    }

    #[test]
    fn only_an_answer_to_a_hello_is_a_hello_reply() {
        let mut s = ShortFrames::default();
        let reply = [7u8; 32];
        let e = s.local_evidence(&reply, &at(FROM, 0));
        assert_eq!(local_short_frame(&e), ShortFrame::Ping { echo: false });
        s.hello_request(77, 5 * S);
        let e = s.local_evidence(&reply, &at(FROM, 6 * S));
        assert_eq!(local_short_frame(&e), ShortFrame::HelloReply);
        let e = s.local_evidence(&reply, &at(FROM, 20 * S));
        assert!(!e.answers_hello, "too late");
        let other_client = Where {
            client: 78,
            ..at(FROM, 6 * S)
        };
        assert!(!s.local_evidence(&reply, &other_client).answers_hello);
        // A frame sent to the device is never a hello reply.
        let e = s.local_evidence(&reply, &at(TO, 6 * S));
        assert_eq!(local_short_frame(&e), ShortFrame::Ping { echo: false });
    }

    #[test]
    fn the_devices_copy_of_a_clients_frame_is_an_echo() {
        let mut s = ShortFrames::default();
        s.hello_request(77, 0);
        let frame = [9u8; 32];
        s.local_evidence(&frame, &at(TO, S));
        let e = s.local_evidence(&frame, &at(FROM, S));
        assert!(e.echo && e.answers_hello);
        assert_eq!(local_short_frame(&e), ShortFrame::Ping { echo: true });
    }

    #[test]
    fn a_frame_with_the_clients_stamp_is_not_the_devices() {
        let mut s = ShortFrames::default();
        s.hello_request(77, 0);
        let mut sent = [1u8; 32];
        sent[12..16].copy_from_slice(&1_700_000_000u32.to_be_bytes());
        s.local_evidence(&sent, &at(TO, S));
        let mut changed = sent;
        changed[20] ^= 1;
        let e = s.local_evidence(&changed, &at(FROM, S));
        assert!(!e.echo && !e.device_stamp);
        assert_eq!(local_short_frame(&e), ShortFrame::Ping { echo: false });
        // A device that rebooted (its stamp starts again) still answers.
        let mut reply = changed;
        reply[12..16].copy_from_slice(&3u32.to_be_bytes());
        assert!(s.local_evidence(&reply, &at(FROM, S)).device_stamp);
    }

    #[test]
    fn cloud_short_frames() {
        let mut s = ShortFrames::default();
        assert!(!s.is_cloud(3));
        s.cloud_hello(3);
        assert!(s.is_cloud(3));
        let k = [7u8; 32];
        assert_eq!(s.cloud_short_frame(3, &[1; 32]), ShortFrame::TimeSync);
        assert_eq!(
            s.cloud_short_frame(3, &k),
            ShortFrame::KeepAlive { echo: false }
        );
        assert_eq!(
            s.cloud_short_frame(3, &k),
            ShortFrame::KeepAlive { echo: true }
        );
        assert_eq!(
            s.cloud_short_frame(3, &k),
            ShortFrame::KeepAlive { echo: false }
        );
    }
}
