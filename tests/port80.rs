//! TCP port 80 (issue 28): the plugin takes a connection from HTTP at the
//! first segment that holds a whole miIO header (a gateway's cloud link
//! caught mid-connection; tests/midstream cuts cloud-tcp with nothing set),
//! and leaves everything else to HTTP: plain HTTP (tests/captures/
//! http80-plain.pcapng: pages, JSON, 256 KiB of random bytes, gzip, a chunked
//! reply; tests/peers/http80/) shows no miIO frame, whole or cut anywhere.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// `frame.number` and `_ws.col.Protocol` of every packet.
fn protocols(sandbox: &Sandbox, pcap: &Path) -> Vec<(u32, String)> {
    sandbox
        .fields_with(pcap, &[], &["frame.number", "_ws.col.Protocol", "tcp.len"])
        .into_iter()
        .map(|r| (r[0].parse().unwrap(), r[1].clone()))
        .collect()
}

fn cut(sandbox: &Sandbox, full: &Path, packet: u32, offset: usize) -> std::path::PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lib/cut-capture.py");
    let python = if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let out = std::env::temp_dir().join(format!("port80-{}-{packet}-{offset}.pcapng", std::process::id()));
    let status = Command::new(python)
        .args([script.as_os_str(), full.as_os_str(), out.as_os_str()])
        .args([packet.to_string(), offset.to_string()])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    sandbox.write(&format!("cut-{packet}-{offset}.pcapng"), &bytes)
}

#[test]
fn plain_http_on_port_80_stays_http_whole_and_cut_anywhere() {
    let sandbox = Sandbox::new();
    let full = sandbox.capture("http80-plain.pcapng");
    let fields = ["frame.number", "_ws.col.Protocol", "tcp.len", "http.request.uri", "http.request.method"];
    let rows = sandbox.fields_with(&full, &[], &fields);
    // Requests only (4.4 and later also give a response its request's URI).
    let requests: Vec<&str> = rows.iter().filter(|r| !r[4].is_empty()).map(|r| r[3].as_str()).collect();
    assert_eq!(
        requests,
        ["/index.html", "/status.json", "/firmware.bin", "/log.txt.gz", "/chunked", "/firmware.bin"]
    );
    assert!(protocols(&sandbox, &full).iter().all(|(_, p)| !p.contains("miIO")));
    // Cut at every packet with a payload: at its start, one byte in, and
    // half-way (inside a body of random bytes, gzip, text).
    let mut cuts = 0;
    for r in rows.iter().filter(|r| r[2].parse::<usize>().unwrap_or(0) > 0) {
        let (packet, len): (u32, usize) = (r[0].parse().unwrap(), r[2].parse().unwrap());
        for offset in [0, 1, len / 2] {
            let pcap = cut(&sandbox, &full, packet, offset);
            let shown = protocols(&sandbox, &pcap);
            let miio: Vec<_> = shown.iter().filter(|(_, p)| p.contains("miIO")).collect();
            assert!(miio.is_empty(), "cut at {packet}+{offset}: miIO in {miio:?}");
            cuts += 1;
        }
    }
    assert!(cuts >= 30, "{cuts} cuts");
}

#[test]
fn a_cloud_link_on_port_80_is_mi_io_with_nothing_set() {
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("cloud-tcp.pcapng");
    let key = key_row("", "cloud", "Xk3mP9qLw2Zr7TbN", "vacuum cloud key");
    let rows = sandbox.fields_with(&pcap, &["-o", &key], &["frame.number", "_ws.col.Protocol", "miio.decrypted"]);
    let miio: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "miIO").collect();
    // Every frame of the link (tests/captures/README.md), and the ordinary
    // HTTP request and reply after it stay HTTP.
    assert!(miio.len() >= 10, "{} miIO packets", miio.len());
    assert!(miio.iter().any(|r| r[2].contains("_otc.info")), "{miio:?}");
    let http: Vec<&Vec<String>> = rows.iter().filter(|r| r[1].starts_with("HTTP")).collect();
    assert_eq!(http.len(), 2, "{http:?}");
}
