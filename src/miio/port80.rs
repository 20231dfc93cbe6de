//! miIO to the Mi cloud over TCP port 80, which Wireshark gives HTTP (Lumi
//! gateways keep such a link open for days). A connection is miIO from its
//! first segment that holds a whole miIO header: a capture that starts
//! mid-connection sees the end of a frame first, so the header may be
//! anywhere in the segment. A connection that spoke HTTP first (a request
//! or status line at a segment's start) stays HTTP, whatever its bodies hold.

use std::collections::HashSet;

use super::frame::stream_has_frame;

/// Connections remembered as HTTP at the most (a hostile capture's many
/// connections start the memory over, costing a rescan, not memory).
const MAX_HTTP_CONNECTIONS: usize = 4096;

const METHODS: [&[u8]; 9] = [
    b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ",
];

#[derive(Debug, Default)]
pub struct Port80 {
    http: HashSet<u32>,
}

impl Port80 {
    /// Whether `segment` of TCP `connection` on port 80 is miIO's.
    pub fn claims(&mut self, connection: u32, segment: &[u8]) -> bool {
        if self.http.contains(&connection) {
            return false;
        }
        if http_start(segment) {
            if self.http.len() >= MAX_HTTP_CONNECTIONS {
                self.http.clear();
            }
            self.http.insert(connection);
            return false;
        }
        stream_has_frame(segment)
    }
}

/// An HTTP request line or status line starts here.
fn http_start(segment: &[u8]) -> bool {
    segment.starts_with(b"HTTP/1.") || METHODS.iter().any(|m| segment.starts_with(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miio::test_frames::{hex, INFO_REQUEST};

    #[test]
    fn a_frame_anywhere_claims_the_connection_http_never() {
        let mut p = Port80::default();
        let mut cut = vec![0x5a; 37];
        cut.extend(hex(INFO_REQUEST));
        assert!(p.claims(1, &cut), "a header after the end of a cut frame");
        assert!(!p.claims(2, &[0x5a; 64]), "no whole header yet");
        assert!(!p.claims(3, b"GET /gateway HTTP/1.1\r\nHost: x\r\n\r\n"));
        // Once HTTP, a body that holds a miIO frame stays HTTP.
        assert!(!p.claims(3, &hex(INFO_REQUEST)));
        assert!(!p.claims(4, b"HTTP/1.1 200 OK\r\n\r\n"));
        assert!(p.claims(5, &hex(INFO_REQUEST)));
        assert!(!p.claims(6, b""));
    }
}
