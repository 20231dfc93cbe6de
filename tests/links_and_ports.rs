//! Links made whole and frames kept whole, through the real tshark on real
//! peer captures: frames recorded before their key was revealed, replies
//! without "result" (python-miio's own simulator), and clients whose
//! ephemeral port belongs to another protocol.

mod common;

use common::*;
use serde_json::Value;

const POLLING_TOKEN: &str = "31b233b42173d68ac6075695187b4d22";
const CLASH_TOKEN: &str = "4d2a7c91e05f3b68a1c4d7e09b2f5a36";
/// python-miio's simulator decrypts with an all-zero token.
const SIMULATOR_TOKEN: &str = "00000000000000000000000000000000";

fn any_device(token: &str) -> String {
    key_row("", "token", token, "")
}

/// (frame, JSON) of every frame that decrypted.
fn json_frames(rows: &[Vec<String>], frame: usize, decrypted: usize) -> Vec<(u32, Value)> {
    rows.iter()
        .filter(|r| !r[decrypted].is_empty())
        .map(|r| {
            let json = serde_json::from_str(&r[decrypted])
                .unwrap_or_else(|e| panic!("frame {}: {e}: {}", r[frame], r[decrypted]));
            (r[frame].parse().unwrap(), json)
        })
        .collect()
}

#[test]
fn frames_recorded_before_their_key_decrypt_and_link_on_the_second_pass() {
    // The capture starts after the first client's hello; a second client's
    // hello reply reveals the token (frame 6), after four data frames.
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-late-key.pcapng");
    let fields = [
        "frame.number",
        "miio.decrypted",
        "miio.response_in",
        "miio.request_in",
        "miio.key",
    ];
    let one_pass = sandbox.fields_with(&pcap, &[], &fields);
    let decrypted = |rows: &[Vec<String>]| {
        rows.iter()
            .filter(|r| !r[1].is_empty())
            .map(|r| r[0].parse::<u32>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(decrypted(&one_pass), [11, 12, 13, 14]);
    // In one pass frames 1-4 are printed before frame 6 teaches the key.
    assert_eq!(one_pass[1][3], "");

    let rows = sandbox.fields_with(&pcap, &["-2"], &fields);
    assert_eq!(decrypted(&rows), [1, 2, 3, 4, 11, 12, 13, 14]);
    let links: Vec<_> = rows
        .iter()
        .filter(|r| !r[1].is_empty())
        .map(|r| (r[0].as_str(), r[2].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("1", "2", ""),
            ("2", "", "1"),
            ("3", "4", ""),
            ("4", "", "3"),
            ("11", "12", ""),
            ("12", "", "11"),
            ("13", "14", ""),
            ("14", "", "13"),
        ],
        "ids 1 and 2 are used by both clients: each reply links to its own request"
    );
    assert_eq!(
        rows[0][4],
        "learned from hello reply in frame 6, confirmed by the checksum of frame 1"
    );
    let frames: Vec<_> = json_frames(&rows, 0, 1)
        .into_iter()
        .map(|(n, j)| (n, "0x0f101112".to_string(), j))
        .collect();
    assert_matches_truth(&frames, "python-miio-late-key.truth.jsonl");
}

#[test]
fn a_reply_without_result_is_linked_and_summarised() {
    // python-miio 0.6.0.dev0's own simulator answers miIO.info with the
    // info at the top level and "id" last.
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-simulator.pcapng");
    let key = ["-o".to_string(), any_device(SIMULATOR_TOKEN)];
    let args: Vec<&str> = key.iter().map(String::as_str).chain(["-2"]).collect();
    let rows = sandbox.fields_with(
        &pcap,
        &args,
        &[
            "frame.number",
            "_ws.col.Info",
            "miio.response_in",
            "miio.request_in",
            "miio.result",
            "miio.decrypted",
        ],
    );
    assert_eq!(rows[6][..4], ["7", "miIO.info id=1", "8", ""]);
    assert_eq!(
        rows[7][..5],
        ["8", r#"reply id=1 ok, no "result""#, "", "7", ""]
    );
    let info: Value = serde_json::from_str(&rows[7][5]).unwrap();
    assert_eq!(info["model"], "zhimi.fan.sa1");
    assert_eq!(info["id"], 1);
    // Every data frame decrypts to what the client saw.
    let frames: Vec<_> = json_frames(&rows, 0, 5)
        .into_iter()
        .map(|(n, j)| (n, "0x6673ce18".to_string(), j))
        .collect();
    assert_eq!(frames.len(), 10);
    assert_matches_truth(&frames, "python-miio-simulator.truth.jsonl");
    // Its all-zero hello fill is no token.
    let experts = sandbox.expert_messages(&pcap, &[]);
    assert!(
        experts.iter().all(|e| !e.contains("token in clear")),
        "{experts:?}"
    );
}

#[test]
fn frames_on_another_protocols_port_stay_mi_io_once_the_device_was_seen() {
    // Client source ports: 41170 (MANOLITO) for the first call, before any
    // other traffic of the device; an ephemeral port; 41170 again, 44818
    // (ENIP), 34962 (PN-RT); an ephemeral port.
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-port-clash.pcapng");
    let key = any_device(CLASH_TOKEN);
    let fields = [
        "frame.number",
        "_ws.col.Protocol",
        "udp.srcport",
        "miio.method",
        "miio.response_in",
        "miio.request_in",
    ];
    let protocols = |rows: &[Vec<String>]| rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>();

    let one_pass = sandbox.fields_with(&pcap, &["-o", &key], &fields);
    let mut want = vec!["MANOLITO".to_string(); 8];
    want.extend(vec!["miIO".to_string(); 10]);
    assert_eq!(protocols(&one_pass), want, "{one_pass:?}");
    // Each request from 41170, 44818 and 34962 is decrypted and its reply
    // (one pass: Request In) linked.
    let calls: Vec<_> = one_pass[8..]
        .chunks(2)
        .map(|pair| {
            (
                pair[0][2].as_str(),
                pair[0][3].as_str(),
                pair[1][5].as_str(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            (calls[0].0, "get_prop", "9"),
            ("41170", "set_power", "11"),
            ("44818", "get_prop", "13"),
            ("34962", "set_wifi_led", "15"),
            (calls[4].0, "get_prop", "17"),
        ]
    );

    // The second pass claims the device's frames seen before it, too.
    let rows = sandbox.fields_with(&pcap, &["-2", "-o", &key], &fields);
    assert_eq!(protocols(&rows), vec!["miIO".to_string(); 18]);
    // Frames 7 and 8 are first seen as miIO on this pass: the reply links
    // back; the request was printed before its reply was seen.
    assert_eq!(rows[6][3..6], ["get_prop", "", ""]);
    assert_eq!(rows[7][3..6], ["", "", "7"]);

    // Without the plugin's claim these frames are other protocols': the
    // capture shows what it is meant to.
    // (PN-RT is a plugin, which the test sandbox hides.)
    let plain = sandbox.fields_with(&pcap, &["--disable-protocol", "miio"], &fields);
    assert_eq!(plain[10][1], "MANOLITO");
    assert_eq!(plain[12][1], "ENIP");
}

#[test]
fn a_retry_is_only_a_retry_within_the_clients_retry_window() {
    // get_prop id 2 goes unanswered; 36 s later the client asks the same
    // again (id 3): a new request. set_power id 4 is lost and python-miio
    // retries it 1 s later with a new socket and id 105: a retry.
    let sandbox = Sandbox::new();
    let pcap = sandbox.capture("python-miio-polling.pcapng");
    let key = any_device(POLLING_TOKEN);
    let rows = sandbox.fields_with(
        &pcap,
        &["-2", "-o", &key, "-Y", "miio.method"],
        &["frame.number", "miio.id", "miio.retry_of", "_ws.col.Info"],
    );
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("7", "1", ""),
            ("9", "2", ""),
            ("10", "3", ""),
            ("12", "4", ""),
            ("19", "105", "12"),
        ]
    );
    assert_eq!(rows[2][3], "get_prop id=3");
    assert_eq!(rows[4][3], "set_power id=105 [retry]");
}
