//! Criterion benchmarks of the Rust core (`cargo bench`): one frame parsed,
//! verified and decrypted for three payload sizes; choosing the key with 1,
//! 1,000 and 100,000 keys configured (after the device's first verified
//! frame); reading the JSON; one Roborock frame (1.0 and L01). Frames per second per core = 1 / time per frame.

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use md5::{Digest, Md5};
use miio_dissector::keys::roborock::RoborockKeyEntry;
use miio_dissector::keys::{parse_row, KeyEntry, RawRow};
use miio_dissector::miio::dissect::{dissect, FrameContext};
use miio_dissector::miio::payload::read_repairing;
use miio_dissector::roborock::dissect::{
    dissect as roborock_dissect, Carrier, Context, RoborockState,
};
use miio_dissector::state::DissectorState;

const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";
const DEVICE: u32 = 0x0a1b2c3d;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A frame as a device sends it: `{"id":..,"result":[..]}` padded to about
/// `size` bytes of ciphertext, checksummed with the token.
fn frame(size: usize) -> Vec<u8> {
    let filler = "x".repeat(size.saturating_sub(40));
    frame_with(format!(r#"{{"id":7,"result":["{filler}"]}}"#).into_bytes())
}

/// A miIO frame carrying `plain`.
fn frame_with(plain: Vec<u8>) -> Vec<u8> {
    let token = hex(TOKEN);
    let key: [u8; 16] = Md5::digest(&token).into();
    let iv: [u8; 16] = Md5::new()
        .chain_update(key)
        .chain_update(&token)
        .finalize()
        .into();
    let mut buf = plain.clone();
    buf.resize(plain.len() + 16, 0);
    let n = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into())
        .encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
        .unwrap()
        .len();
    buf.truncate(n);
    let mut f = Vec::new();
    f.extend_from_slice(&0x2131u16.to_be_bytes());
    f.extend_from_slice(&((32 + n) as u16).to_be_bytes());
    f.extend_from_slice(&0u32.to_be_bytes());
    f.extend_from_slice(&DEVICE.to_be_bytes());
    f.extend_from_slice(&5000u32.to_be_bytes());
    f.extend_from_slice(&token);
    f.extend_from_slice(&buf);
    let sum: [u8; 16] = Md5::digest(&f).into();
    f[16..32].copy_from_slice(&sum);
    f
}

fn key(device_id: &str, token: &str, row: u32) -> KeyEntry {
    parse_row(
        &RawRow {
            device_id,
            key_type: "token",
            key: token,
            comment: "",
        },
        Some(row),
    )
    .unwrap()
}

fn state_with(keys: Vec<KeyEntry>) -> DissectorState {
    let mut state = DissectorState::default();
    state.keys.set_table_keys(keys);
    state
}

fn run(frame: &[u8], state: &mut DissectorState, out: &mut [u8]) -> usize {
    let ctx = FrameContext {
        number: 1,
        ..FrameContext::default()
    };
    dissect(black_box(frame), frame.len(), &ctx, state, out).plaintext_len
}

fn per_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_checksum_decrypt_json");
    for size in [64usize, 512, 4096] {
        let f = frame(size);
        let mut state = state_with(vec![key("0a1b2c3d", TOKEN, 1)]);
        let mut out = vec![0u8; 2 * f.len() + 64];
        assert!(
            run(&f, &mut state, &mut out) > 0,
            "the bench frame decrypts"
        );
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(size), &f, |b, f| {
            b.iter(|| run(f, &mut state, &mut out))
        });
    }
    group.finish();
}

fn key_lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_lookup_512B");
    let f = frame(512);
    for count in [1usize, 1_000, 100_000] {
        // count - 1 decoys for any device, then the right token, also for any device.
        let mut keys: Vec<KeyEntry> = (1..count)
            .map(|i| key("", &format!("{:032x}", i * 7919), i as u32))
            .collect();
        keys.push(key("", TOKEN, count as u32));
        let mut state = state_with(keys);
        let mut out = vec![0u8; 2 * f.len() + 64];
        assert!(
            run(&f, &mut state, &mut out) > 0,
            "the first frame finds the key"
        );
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(count), &f, |b, f| {
            b.iter(|| run(f, &mut state, &mut out))
        });
    }
    group.finish();
}

fn json(c: &mut Criterion) {
    let text = br#"{"id": 2, "result": [{"msg_ver": 2, "msg_seq": 52, "state": 8, "battery": 100, "clean_time": 15, "clean_area": 140000, "error_code": 0, "map_present": 1, "in_cleaning": 0, "fan_power": 60, "dnd_enabled": 0}]}"#;
    let quirky = br#"{"id":1,"result":["on",,"otu_stat"]}"#;
    let mut group = c.benchmark_group("json");
    group.throughput(Throughput::Elements(1));
    group.bench_function("get_status_reply", |b| {
        b.iter(|| read_repairing(black_box(text)))
    });
    group.bench_function("repaired_quirk", |b| {
        b.iter(|| read_repairing(black_box(quirky)))
    });
    group.finish();
}

/// The frame lines of a Roborock capture's truth file (the peers' frames).
fn roborock_frames(name: &str) -> Vec<serde_json::Value> {
    let path = format!(
        "{}/tests/captures/{name}.truth.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["kind"] == "frame" || l["kind"] == "device")
        .collect()
}

/// One Roborock frame (a get_status reply, ~550 bytes) dissected, for 1.0
/// and L01: the Roborock side's cost per frame, beside miIO's 512 B above.
fn roborock(c: &mut Criterion) {
    let mut group = c.benchmark_group("roborock_get_status_reply");
    for (name, version) in [("roborock-local-v1", "1.0"), ("roborock-local-l01", "L01")] {
        let lines = roborock_frames(name);
        let device = lines.iter().find(|l| l["kind"] == "device").unwrap();
        let mut st = RoborockState::default();
        st.set_table_keys(vec![RoborockKeyEntry {
            duid: Some(device["duid"].as_str().unwrap().into()),
            key: device["local_key"]
                .as_str()
                .unwrap()
                .as_bytes()
                .try_into()
                .unwrap(),
            row: 1,
        }]);
        let ctx = |n: u32| Context {
            number: n,
            pdu: 0,
            visited: false,
            conversation: 1,
            time_ns: 0,
            carrier: Carrier::Tcp,
            duid: None,
            device_address: 0,
        };
        let mut out = vec![0u8; 4096];
        // The hello exchange first (L01 needs its nonces), then the reply.
        let frames: Vec<Vec<u8>> = lines
            .iter()
            .filter(|l| l["version"] == version)
            .map(|l| hex(l["frame_hex"].as_str().unwrap()))
            .collect();
        for (i, f) in frames.iter().take(2).enumerate() {
            roborock_dissect(f, &ctx(i as u32 + 1), &mut st, &mut out);
        }
        let reply = frames.iter().find(|f| f.len() > 500).unwrap().clone();
        let d = roborock_dissect(&reply, &ctx(9), &mut st, &mut out);
        assert!(d.plaintext_len > 0, "{name}: the bench frame decrypts");
        if version == "1.0" {
            // The same reply as miIO carries it: {"id":…,"result":[{…}]}.
            let inner = d
                .inner_at
                .map(|(at, len)| out[at..at + len].to_vec())
                .unwrap();
            let f = frame_with(inner);
            let mut state = state_with(vec![key("0a1b2c3d", TOKEN, 1)]);
            let mut buf = vec![0u8; 2 * f.len() + 64];
            assert!(run(&f, &mut state, &mut buf) > 0);
            group.bench_with_input(
                BenchmarkId::from_parameter("miIO, same JSON"),
                &f,
                |b, f| b.iter(|| run(f, &mut state, &mut buf)),
            );
        }
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(version), &reply, |b, f| {
            b.iter(|| roborock_dissect(black_box(f), &ctx(9), &mut st, &mut out).plaintext_len)
        });
    }
    group.finish();
}

criterion_group!(benches, per_frame, key_lookup, json, roborock);
criterion_main!(benches);
