//! Frames for unit tests. The hex frames are copied from
//! tests/captures/python-miio-basic.pcapng (python-miio 0.5.12 talking to a
//! responder built on python-miio's own Message; token below).

use aes::cipher::{block_padding::NoPadding, block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use md5::{Digest, Md5};

pub const TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

pub const HELLO_REQUEST: &str = "21310020ffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
/// Frame 4: a provisioned device's hello reply (no token).
pub const HELLO_REPLY: &str = "21310020000000000a1b2c3d0000138affffffffffffffffffffffffffffffff";
/// Frame 7: `{"id":1,"method":"miIO.info","params":[]}`.
pub const INFO_REQUEST: &str = "21310050000000000a1b2c3d0000138bfa8768fe639fe61defaa9d550e76fdca19b9ff592090a1163471507bf2b387a796e6a63904d0e6f268128e738c769c4ec9b941f4494e226e94ff8b2a33fa3fa5";
/// Frame 8: the miIO.info reply.
pub const INFO_REPLY: &str = "21310160000000000a1b2c3d0000138a9a45dc0c90f8913797aafaf61b8028712f6686f3ba02825c03e1971dd3c7c3419847024f65f61ea8c84f7c8f7970a6cf6f71f3cad978e9a6df16249de6478abc0daa02b945def6b4c29f0bfb920ab210e2f74702e5df1110704930f94454b40580b9d6b45aee7c109bc0d4fccbc2d18c28029f517a99006239f9a6a1669debd90cbdbdfe7e5891d1754bf66702c6b0ccd209bc7f33e7872cbcee38cbee91f18bbd802aebe8d4695a1454f6d478504bf5564aed00604028146b1dbb4a0bd2422a9f12958f0e17ca7de1aae3abdd866bf82d9a937c458cfc52a3f859f9ebb1451803ecdde95f842053ec49bb13b5e14e98d5b83c84577fa0740e2520117d7aa7fa1511e139fd892681594b832fca7aa527e7386a047de36d6e85bb6042e6c4c28a53e238652f7143f618615fffb04590e6d16e803f0beb1195c991acbfd61df8b91b9d1ee5357da504d75983a118f31a29";
/// Frame 22: reply to `no_such_method`, an error -32601.
pub const ERROR_REPLY: &str = "21310070000000000a1b2c3d0000138a8c676d5d6e2f2f012b08380c4937f62b96e976a525ba695d6f0cf27653ceec436c915d6aa7f4c8e61f3c970bc0a100546613a533adb002ea65945fcf2526f984ddbb491e255cf2a54ef74249a8a38993e309e4859bc3d0845c5c89b1b6a5e459";

pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Builds a data frame for cases no peer produces (bad padding). With
/// `pad` false, `plain` must be a whole number of blocks and is encrypted as it is.
pub fn build_frame(
    device_id: u32,
    stamp: u32,
    token_hex: &str,
    plain: &[u8],
    pad: bool,
) -> Vec<u8> {
    let token = hex(token_hex);
    let key: [u8; 16] = Md5::digest(&token).into();
    let iv: [u8; 16] = Md5::new()
        .chain_update(key)
        .chain_update(&token)
        .finalize()
        .into();
    let enc = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into());
    let mut buf = plain.to_vec();
    buf.resize(plain.len() + 16, 0);
    let n = if pad {
        enc.encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
            .unwrap()
            .len()
    } else {
        enc.encrypt_padded_mut::<NoPadding>(&mut buf, plain.len())
            .unwrap()
            .len()
    };
    buf.truncate(n);

    let mut frame = Vec::with_capacity(32 + n);
    frame.extend_from_slice(&0x2131u16.to_be_bytes());
    frame.extend_from_slice(&((32 + n) as u16).to_be_bytes());
    frame.extend_from_slice(&0u32.to_be_bytes());
    frame.extend_from_slice(&device_id.to_be_bytes());
    frame.extend_from_slice(&stamp.to_be_bytes());
    frame.extend_from_slice(&token);
    frame.extend_from_slice(&buf);
    let sum: [u8; 16] = Md5::digest(&frame).into();
    frame[16..32].copy_from_slice(&sum);
    frame
}
