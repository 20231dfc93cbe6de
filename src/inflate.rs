//! Compressed bodies (gzip, zlib) told by their header and inflated with a
//! cap: a decompression bomb is hostile input, so no more than `cap` bytes
//! are ever held, however far the stream would expand.

use std::io::Read;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gzip,
    Zlib,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Zlib => "zlib",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inflated {
    Whole(Vec<u8>),
    /// The stream expands past the cap (nothing kept).
    TooLarge,
    /// Not a valid stream of its format (cut, corrupted).
    Broken,
}

/// The format a stream's first bytes announce: gzip's magic and deflate
/// method, or a zlib header (deflate, a window size deflate allows, the
/// header check).
pub fn detect(data: &[u8]) -> Option<Format> {
    match data {
        [0x1f, 0x8b, 0x08, ..] => Some(Format::Gzip),
        [cmf, flg, ..]
            if cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 =>
        {
            Some(Format::Zlib)
        }
        _ => None,
    }
}

/// The stream inflated, when it fits in `cap` bytes.
pub fn inflate(data: &[u8], format: Format, cap: usize) -> Inflated {
    let mut out = Vec::new();
    let limit = cap as u64 + 1;
    let read = match format {
        Format::Gzip => flate2::read::GzDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        Format::Zlib => flate2::read::ZlibDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
    };
    match read {
        Err(_) => Inflated::Broken,
        Ok(n) if n > cap => Inflated::TooLarge,
        Ok(_) => Inflated::Whole(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_and_zlib_are_told_and_inflated() {
        let text = br#"{"code":0,"message":"ok","result":[]}"#;
        let g = gzip(text);
        assert_eq!(detect(&g), Some(Format::Gzip));
        assert_eq!(inflate(&g, Format::Gzip, 1 << 20), Inflated::Whole(text.to_vec()));
        let z = zlib(text);
        assert_eq!(detect(&z), Some(Format::Zlib));
        assert_eq!(inflate(&z, Format::Zlib, 1 << 20), Inflated::Whole(text.to_vec()));
    }

    #[test]
    fn json_and_short_input_are_not_streams() {
        for text in [&b"{\"a\":1}"[..], b"[1]", b"", b"\x1f", b"\x1f\x8b", b"x", b"hello"] {
            assert_eq!(detect(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![b'a'; 8 << 20]);
        assert!(bomb.len() < 16 * 1024, "{} bytes", bomb.len());
        assert_eq!(inflate(&bomb, Format::Gzip, 1 << 20), Inflated::TooLarge);
        // Exactly at the cap still fits.
        assert!(matches!(inflate(&bomb, Format::Gzip, 8 << 20), Inflated::Whole(v) if v.len() == 8 << 20));
    }

    #[test]
    fn cut_and_corrupted_streams_are_broken() {
        let g = gzip(br#"{"code":0,"message":"ok"}"#);
        assert_eq!(inflate(&g[..g.len() / 2], Format::Gzip, 1 << 20), Inflated::Broken);
        let mut bad = g.clone();
        bad[12] ^= 0xff;
        assert_eq!(inflate(&bad, Format::Gzip, 1 << 20), Inflated::Broken);
    }
}
