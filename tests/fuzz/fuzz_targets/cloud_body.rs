//! A Mi cloud body's inside (first byte: what it is): 0, a reply body read
//! under the gzip bombs' key (base64 RC4, then JSON or a compressed stream
//! inflated with the cap); 1, a decrypted plaintext, inflated when it is a
//! stream, then read as a MIoT call's reply; 2, a request's JSON; 3, an MQTT
//! push on a device topic. Nothing panics, nothing inflated passes the cap,
//! every MIoT span stays inside its text.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use miio_dissector::inflate::{detect, inflate, Inflated};
use miio_dissector::micloud::crypto::{b64, signed_nonce};
use miio_dissector::micloud::reply::{read, Reply, INFLATE_CAP_BYTES};
use miio_dissector::miot::cloud;
use miio_dissector::miot::entries::Method;
use miio_dissector::miot::frame::At;
use miio_dissector::state::DissectorState;

static STATE: Mutex<Option<DissectorState>> = Mutex::new(None);

const METHODS: [Method; 3] = [Method::GetProperties, Method::SetProperties, Method::Action];

fn check_spans(state: &DissectorState, text: &[u8]) {
    for r in &state.miot.last {
        assert!(r.entry.span.offset + r.entry.span.len <= text.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flag, body)) = data.split_first() else {
        return;
    };
    let mut guard = STATE.lock().unwrap();
    let state = guard.get_or_insert_with(|| {
        let mut s = DissectorState::default();
        s.miot.models.learn_did("871203459", "zhimi.airp.rmb1", miio_dissector::miot::models::ModelSource::MicloudReply(1));
        s
    });
    let at = At { frame: (1, 0), first_pass: true, device_id: 0, request_in: None };
    let method = METHODS[usize::from(flag >> 4) % METHODS.len()];
    match flag & 0x0f {
        0 => {
            let key = signed_nonce(&b64("D6JZ0ca5Ym2AzUncjr1NQA==").unwrap(), "ZG9ib21iZ3oBwW3A").unwrap();
            let r = read(body, Some(&key));
            if let Reply::Compressed { inflated: Inflated::Whole(t), .. } = &r {
                assert!(t.len() <= INFLATE_CAP_BYTES);
            }
            if let Some(json) = r.json() {
                let json = json.to_vec();
                cloud::describe(&mut state.miot, at, method, true, &json);
                check_spans(state, &json);
            }
        }
        1 => {
            let text = match detect(body) {
                Some(f) => match inflate(body, f, 1 << 20) {
                    Inflated::Whole(t) => t,
                    _ => return,
                },
                None => body.to_vec(),
            };
            cloud::describe(&mut state.miot, at, method, true, &text);
            check_spans(state, &text);
        }
        2 => {
            cloud::describe(&mut state.miot, at, method, false, body);
            check_spans(state, body);
        }
        _ => {
            let _ = miio_dissector::micloud::mqtt::dissect(state, 1, false, "device/871203459/up/properties_changed/2/1", body);
            check_spans(state, body);
        }
    }
});
