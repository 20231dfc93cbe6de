//! Runs the real tshark with the freshly built plugin.
//!
//! Each `Sandbox` is a private HOME holding the plugin in Wireshark's
//! personal plugin folder and a fresh profile. tshark run by root ignores
//! personal plugins, so as root it runs as user `nobody` (setpriv).
//! WIRESHARK_PLUGIN_DIR points at an empty folder so that a copy installed
//! in the global plugin folder (by setup.sh) cannot stand in for the build
//! under test.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use miio_dissector::plugin::{plugin_want_major, plugin_want_minor};

mod decrypted;
mod mibeacon;
mod roborock;
// Not every test file uses them.
#[allow(unused_imports)]
pub use decrypted::{assert_matches_truth, decrypted_frames};
#[allow(unused_imports)]
pub use mibeacon::{bindkey_rows, mibeacon_vectors};
#[allow(unused_imports)]
pub use roborock::{packet_fields, roborock_rows};

/// The python-miio capture's device (see tests/captures/README.md).
pub const BASIC_DEVICE: &str = "0a1b2c3d";
pub const BASIC_TOKEN: &str = "3f4a1c2b9d8e7f60112233445566aa01";

pub struct Sandbox {
    home: PathBuf,
}

/// One `-o uat:miio_keys:...` row.
pub fn key_row(device_id: &str, key_type: &str, key: &str, comment: &str) -> String {
    format!(r#"uat:miio_keys:"{device_id}","{key_type}","{key}","{comment}""#)
}

pub fn basic_key() -> String {
    key_row(BASIC_DEVICE, "token", BASIC_TOKEN, "vacuum")
}

fn plugin_so() -> PathBuf {
    // Integration tests live in target/<profile>/deps, where the same cargo
    // invocation also wrote the cdylib (rustc emits it with the rlib they link).
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let so = deps.join("libmiio_dissector.so");
    assert!(
        so.exists(),
        "plugin not built: {} (run cargo test)",
        so.display()
    );
    so
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let home = std::env::temp_dir().join(format!(
            "miio-dissector-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&home);
        let plugin_dir = home.join(format!(
            ".local/lib/wireshark/plugins/{plugin_want_major}.{plugin_want_minor}/epan"
        ));
        fs::create_dir_all(&plugin_dir).unwrap();
        fs::create_dir_all(home.join(".config/wireshark")).unwrap();
        fs::create_dir_all(home.join("no-global-plugins")).unwrap();
        fs::copy(plugin_so(), plugin_dir.join("miio.so")).unwrap();
        let sandbox = Sandbox { home };
        sandbox.open_to_nobody();
        sandbox
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Copies tests/captures/NAME into the sandbox and returns its path.
    pub fn capture(&self, name: &str) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/captures")
            .join(name);
        let dst = self.home.join(name);
        fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        self.open_to_nobody();
        dst
    }

    /// Writes a file into the sandbox (e.g. a capture made by a test).
    pub fn write(&self, relative: &str, contents: &[u8]) -> PathBuf {
        let path = self.home.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        self.open_to_nobody();
        path
    }

    /// Writes a file of the default profile (~/.config/wireshark/NAME).
    pub fn write_profile_file(&self, name: &str, contents: &str) {
        self.write(&format!(".config/wireshark/{name}"), contents.as_bytes());
    }

    fn open_to_nobody(&self) {
        if running_as_root() {
            let status = Command::new("chmod")
                .arg("-R")
                .arg("a+rwX")
                .arg(&self.home)
                .status()
                .unwrap();
            assert!(status.success());
        }
    }

    /// Runs a Wireshark command-line tool (tshark) inside the sandbox.
    pub fn run(&self, tool: &str, args: &[&str]) -> Output {
        let mut cmd = if running_as_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", tool]);
            c
        } else {
            Command::new(tool)
        };
        cmd.args(args)
            .env("HOME", &self.home)
            .env_remove("WIRESHARK_CONFIG_DIR")
            .env("WIRESHARK_PLUGIN_DIR", self.home.join("no-global-plugins"))
            .current_dir(&self.home);
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"))
    }

    /// Runs tshark and insists that it succeeded.
    pub fn tshark(&self, args: &[&str]) -> String {
        let out = self.run("tshark", args);
        assert!(
            out.status.success(),
            "tshark {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("Dissector bug"),
            "tshark reported a dissector bug: {stderr}"
        );
        String::from_utf8(out.stdout).expect("tshark output is UTF-8")
    }

    /// `tshark -r CAPTURE ARGS... -T fields -e F...`: one row per frame, one
    /// string per field (first occurrence, unless ARGS say `-E occurrence=a`).
    pub fn fields_with(&self, capture: &Path, args: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
        let mut all = vec![
            "-r",
            capture.to_str().unwrap(),
            "-T",
            "fields",
            "-E",
            "occurrence=f",
        ];
        all.extend_from_slice(args);
        for f in fields {
            all.extend(["-e", f]);
        }
        let escapes = self.tshark_escapes_fields();
        self.tshark(&all)
            .lines()
            .map(|line| {
                line.split('\t')
                    .map(|v| {
                        if escapes {
                            unescape_field(v)
                        } else {
                            v.to_string()
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Whether this tshark escapes `-T fields` values (newer releases write
    /// a backslash as two), found out once with a datagram holding one.
    fn tshark_escapes_fields(&self) -> bool {
        static ESCAPES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ESCAPES.get_or_init(|| {
            let pcap = udp_capture(self, "escape-probe", (40000, 40001), &[b"a\\b".to_vec()]);
            let out = self.tshark(&[
                "-r",
                pcap.to_str().unwrap(),
                "-o",
                "data.show_as_text:TRUE",
                "-T",
                "fields",
                "-e",
                "data.text",
            ]);
            out.trim_end() == "a\\\\b"
        })
    }

    /// `fields_with` where every option is a preference (`-o OPTION`).
    pub fn fields(&self, capture: &Path, options: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
        let args: Vec<&str> = options.iter().flat_map(|o| ["-o", o]).collect();
        self.fields_with(capture, &args, fields)
    }

    /// All expert messages of every frame, one string per frame (joined by `|`).
    pub fn expert_messages(&self, capture: &Path, options: &[&str]) -> Vec<String> {
        let mut args: Vec<&str> = options.iter().flat_map(|o| ["-o", o]).collect();
        args.extend(["-E", "occurrence=a", "-E", "aggregator=|"]);
        self.fields_with(capture, &args, &["_ws.expert.message"])
            .into_iter()
            .map(|mut row| row.swap_remove(0))
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.home);
    }
}

/// Undoes tshark's escaping of a `-T fields` value (`\\`, `\t`, `\n`, `\r`).
pub fn unescape_field(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Makes a pcap of UDP packets (src port, dst port, payload) with text2pcap,
/// for malformed frames that no peer sends.
pub fn udp_capture(
    sandbox: &Sandbox,
    name: &str,
    ports: (u16, u16),
    payloads: &[Vec<u8>],
) -> PathBuf {
    text2pcap(sandbox, name, "-u", ports, payloads)
}

/// Makes a pcap of TCP segments (client to server) with text2pcap, for
/// streams on a port no peer here can use.
pub fn tcp_capture(
    sandbox: &Sandbox,
    name: &str,
    ports: (u16, u16),
    segments: &[Vec<u8>],
) -> PathBuf {
    text2pcap(sandbox, name, "-T", ports, segments)
}

fn text2pcap(
    sandbox: &Sandbox,
    name: &str,
    transport: &str,
    ports: (u16, u16),
    payloads: &[Vec<u8>],
) -> PathBuf {
    let mut text = String::new();
    for payload in payloads {
        for (i, chunk) in payload.chunks(16).enumerate() {
            text.push_str(&format!("{:06x}", i * 16));
            for b in chunk {
                text.push_str(&format!(" {b:02x}"));
            }
            text.push('\n');
        }
        text.push('\n');
    }
    let txt = sandbox.write(&format!("{name}.txt"), text.as_bytes());
    let pcap = sandbox.home().join(format!("{name}.pcap"));
    let out = Command::new("text2pcap")
        .args([
            "-q",
            "-4",
            "10.0.0.1,10.0.0.2",
            transport,
            &format!("{},{}", ports.0, ports.1),
        ])
        .arg(&txt)
        .arg(&pcap)
        .output()
        .expect("run text2pcap");
    assert!(
        out.status.success(),
        "text2pcap: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    sandbox.open_to_nobody();
    pcap
}

/// The miIO frames (UDP payloads) of a capture, read with miio disabled so
/// the bytes come from Wireshark's UDP dissector, not from this plugin.
pub fn udp_payloads(sandbox: &Sandbox, capture: &Path) -> Vec<Vec<u8>> {
    let out = sandbox.tshark(&[
        "-r",
        capture.to_str().unwrap(),
        "--disable-protocol",
        "miio",
        "-T",
        "fields",
        "-e",
        "data.data",
    ]);
    out.lines()
        .map(|hex| {
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

/// Reads a `.truth.jsonl` file: what the client saw, one call a line.
pub fn truth(name: &str) -> Vec<serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures")
        .join(name);
    fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The link-layer frames of a pcapng file (its Enhanced Packet Blocks), read
/// directly so a test can re-wrap real frames (e.g. in TZSP).
pub fn pcapng_frames(path: &Path) -> Vec<Vec<u8>> {
    let data = fs::read(path).unwrap();
    let le = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    assert_eq!(
        &data[8..12],
        &[0x4d, 0x3c, 0x2b, 0x1a],
        "little-endian pcapng expected"
    );
    let mut frames = Vec::new();
    let mut at = 0;
    while at + 12 <= data.len() {
        let (kind, len) = (le(at), le(at + 4));
        if kind == 6 {
            let captured = le(at + 20);
            frames.push(data[at + 28..at + 28 + captured].to_vec());
        }
        at += len;
    }
    frames
}
