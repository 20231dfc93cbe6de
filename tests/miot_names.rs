//! MIoT names from spec files, through the real tshark: every entry of the
//! python-miio MIoT captures carries the names, values, units, value-list
//! descriptions and codes that an independent decoder
//! (tests/lib/miot_expected.py, its output committed beside the captures)
//! gives; without a spec or a model the numbers stay and one note says why.

mod common;

use std::collections::HashMap;

use common::{key_row, Sandbox};
use serde_json::Value;

const TOKEN: &str = "00000000000000000000000000000000";
const MODEL: &str = "zhimi.airp.rmb1";
const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/captures/miot-specs/zhimi.airp.rmb1.json"
);
/// The cloud key of cloud-miot.pcapng's purifier.
const CLOUD_KEY: &str = "Qw8Er4Ty2Ui6Op0A";

/// The fields compared, and which entries of the independent decoding
/// carry each (kinds, member).
const FIELDS: [(&str, &[&str], &str); 12] = [
    ("miio.miot.siid", &["property", "action", "event"], "siid"),
    ("miio.miot.piid", &["property", "argument"], "iid"),
    ("miio.miot.aiid", &["action"], "iid"),
    ("miio.miot.eiid", &["event"], "iid"),
    (
        "miio.miot.service",
        &["property", "action", "event"],
        "service",
    ),
    ("miio.miot.property", &["property", "argument"], "name"),
    ("miio.miot.action", &["action"], "name"),
    ("miio.miot.event", &["event"], "name"),
    (
        "miio.miot.value",
        &["property", "argument", "action", "event"],
        "value",
    ),
    (
        "miio.miot.value.description",
        &["property", "argument"],
        "value_description",
    ),
    ("miio.miot.unit", &["property", "argument"], "unit"),
    ("miio.miot.code", &["property", "action"], "code"),
];

fn spec_folder(sandbox: &Sandbox) -> String {
    let spec = std::fs::read(SPEC).unwrap();
    let path = sandbox.write(&format!("specs/{MODEL}.json"), &spec);
    path.parent().unwrap().to_str().unwrap().to_string()
}

fn token_row(comment: &str) -> String {
    key_row("49567965", "token", TOKEN, comment)
}

/// frame → the expected value list of each field, from the decoder's output.
fn expected(name: &str) -> HashMap<u32, Vec<String>> {
    let path = format!(
        "{}/tests/captures/{name}.miot-expected.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = HashMap::new();
    for line in text.lines() {
        let frame: Value = serde_json::from_str(line).unwrap();
        let entries = frame["entries"].as_array().unwrap();
        let columns = FIELDS
            .iter()
            .map(|(_, kinds, member)| {
                let values: Vec<String> = entries
                    .iter()
                    .filter(|e| kinds.contains(&e["kind"].as_str().unwrap()))
                    .filter_map(|e| match &e[*member] {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    })
                    .collect();
                values.join("\u{1f}")
            })
            .collect();
        out.insert(frame["frame"].as_u64().unwrap() as u32, columns);
    }
    out
}

/// frame → the dissector's value list of each field.
fn dissected(sandbox: &Sandbox, capture: &str, options: &[String]) -> HashMap<u32, Vec<String>> {
    let path = sandbox.capture(capture);
    let mut args: Vec<&str> = options.iter().flat_map(|o| ["-o", o.as_str()]).collect();
    args.extend(["-E", "occurrence=a", "-E", "aggregator=\u{1f}"]);
    let mut fields = vec!["frame.number"];
    fields.extend(FIELDS.iter().map(|(f, _, _)| *f));
    sandbox
        .fields_with(&path, &args, &fields)
        .into_iter()
        .filter(|row| row[1..].iter().any(|v| !v.is_empty()))
        .map(|row| (row[0].parse().unwrap(), row[1..].to_vec()))
        .collect()
}

fn assert_same(capture: &str, got: &HashMap<u32, Vec<String>>, want: &HashMap<u32, Vec<String>>) {
    let mut frames: Vec<&u32> = want.keys().collect();
    frames.sort();
    assert!(!frames.is_empty());
    for frame in frames {
        let got_row = got
            .get(frame)
            .unwrap_or_else(|| panic!("{capture}: frame {frame} has no MIoT fields"));
        for (i, (field, _, _)) in FIELDS.iter().enumerate() {
            assert_eq!(
                got_row[i], want[frame][i],
                "{capture} frame {frame} {field}"
            );
        }
    }
    let extra: Vec<&u32> = got.keys().filter(|f| !want.contains_key(f)).collect();
    assert!(
        extra.is_empty(),
        "{capture}: MIoT fields on frames {extra:?}"
    );
}

#[test]
fn every_entry_is_named_as_the_independent_decoding_names_it() {
    let sandbox = Sandbox::new();
    let folder = format!("miio.miot_spec_dir:{}", spec_folder(&sandbox));
    // The model from miIO.info (frame 8).
    let got = dissected(
        &sandbox,
        "python-miio-miot.pcapng",
        &[token_row(""), folder.clone()],
    );
    assert_same("python-miio-miot", &got, &expected("python-miio-miot"));
    // No miIO.info: the model from the key table's comment, then from the key file.
    let want = expected("python-miio-miot-no-info");
    let row = token_row(&format!("purifier model={MODEL}"));
    let got = dissected(
        &sandbox,
        "python-miio-miot-no-info.pcapng",
        &[row, folder.clone()],
    );
    assert_same("no-info, table comment", &got, &want);
    let keys = sandbox.write(
        "keys.txt",
        format!("{TOKEN}\nmodel 49567965 {MODEL}\n").as_bytes(),
    );
    let file = format!("miio.key_file:{}", keys.display());
    let got = dissected(
        &sandbox,
        "python-miio-miot-no-info.pcapng",
        &[file, folder.clone()],
    );
    assert_same("no-info, key file", &got, &want);
    // The cloud path: pushes to the Mi cloud and requests it relays; the
    // model from _otc.info (frame 3).
    let cloud = key_row("", "cloud", CLOUD_KEY, "purifier cloud key");
    let got = dissected(&sandbox, "cloud-miot.pcapng", &[cloud.clone(), folder]);
    assert_same("cloud-miot", &got, &expected("cloud-miot"));
    let path = sandbox.capture("cloud-miot.pcapng");
    let rows = sandbox.fields(&path, &[&cloud], &["miio.model", "miio.model.learned_in"]);
    assert_eq!(rows[15], [MODEL, "3"]);
}

#[test]
fn the_model_is_shown_with_where_it_came_from() {
    let sandbox = Sandbox::new();
    let path = sandbox.capture("python-miio-miot.pcapng");
    let rows = sandbox.fields(
        &path,
        &[&token_row("")],
        &["frame.number", "miio.model", "miio.model.learned_in"],
    );
    // Hellos and miIO.info come before the model is known; every later
    // frame of the device carries it (the pushes at 37-40 too).
    for row in &rows[8..] {
        assert_eq!(
            (row[1].as_str(), row[2].as_str()),
            (MODEL, "8"),
            "frame {}",
            row[0]
        );
    }
    let path = sandbox.capture("python-miio-miot-no-info.pcapng");
    let row = token_row(&format!("model={MODEL}"));
    let rows = sandbox.fields(&path, &[&row], &["miio.model", "miio.model.source"]);
    // Every frame but the hellos (frames 1-3, device id ffffffff).
    assert!(rows[..3].iter().all(|r| r[0].is_empty()), "{rows:?}");
    assert!(
        rows[3..]
            .iter()
            .all(|r| r[0] == MODEL && r[1] == "miio_keys row 1 (comment)"),
        "{rows:?}"
    );
}

#[test]
fn the_info_column_names_things() {
    let sandbox = Sandbox::new();
    let path = sandbox.capture("python-miio-miot.pcapng");
    let folder = format!("miio.miot_spec_dir:{}", spec_folder(&sandbox));
    let rows = sandbox.fields(&path, &[&token_row(""), &folder], &["_ws.col.Info"]);
    let info = |frame: usize| rows[frame - 1][0].as_str();
    assert_eq!(info(13), "get_properties air-purifier.mode id=4");
    assert_eq!(info(14), "reply id=4 ok: mode=2 (Favorite)");
    assert_eq!(
        info(15),
        "set_properties air-purifier.mode=2 (Favorite) id=5"
    );
    assert_eq!(info(25), "action filter.reset-filter-life(500 days) id=10");
    assert_eq!(info(32), "reply id=13 ok: 99/1=\"\" code -1000");
    assert_eq!(
        info(37),
        "properties_changed air-purifier.mode=1 (Sleep), environment.pm2.5-density=35 μg/m3, environment.temperature=23.5 celsius id=1001"
    );
    assert_eq!(
        info(39),
        "event_occured custom-service.childlock-trigger id=1002"
    );
    assert!(info(10).starts_with("reply id=2 ok: on=false, fault=0 (No Faults), mode=2 (Favorite)"));
}

#[test]
fn what_does_not_fit_the_spec_is_an_expert_info() {
    let sandbox = Sandbox::new();
    let path = sandbox.capture("python-miio-miot.pcapng");
    let folder = format!("miio.miot_spec_dir:{}", spec_folder(&sandbox));
    let experts = sandbox.expert_messages(&path, &[&token_row(""), &folder]);
    let at = |frame: usize| experts[frame - 1].as_str();
    assert_eq!(at(21), "favorite-level = 20 is outside its range 0..14");
    assert_eq!(at(23), "temperature is not writable (access: read, notify)");
    assert_eq!(
        at(29),
        "filter-used-time = 5000 is outside its range 0..1000"
    );
    assert_eq!(at(31), "the spec has no service 99");
    assert_eq!(
        at(32),
        "99/1: the device answered code -1000 (invalid setting (python-miio simulator: unknown siid or piid))|the spec has no service 99"
    );
    assert_eq!(
        at(33),
        "the spec has no property 99 in service 2 (air-purifier)"
    );
    // Everything the simulator itself answered fits its spec.
    for frame in [9, 10, 11, 12, 13, 14, 15, 17, 19, 20, 25, 27, 37, 39] {
        assert_eq!(at(frame), "", "frame {frame}");
    }
}

#[test]
fn without_a_spec_the_numbers_stay_and_one_note_says_which_and_where() {
    let sandbox = Sandbox::new();
    let path = sandbox.capture("python-miio-miot.pcapng");
    let empty = sandbox.write("empty/README", b"no specs here");
    let folder = format!("miio.miot_spec_dir:{}", empty.parent().unwrap().display());
    let options = [token_row(""), folder.clone()];
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let experts = sandbox.expert_messages(&path, &options);
    let notes: Vec<(usize, &String)> = experts
        .iter()
        .enumerate()
        .filter(|(_, e)| e.contains("No MIoT names"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let (frame, note) = notes[0];
    assert_eq!(frame + 1, 9, "the first MIoT frame");
    let dir = empty.parent().unwrap().display().to_string();
    assert_eq!(
        note.as_str(),
        format!("No MIoT names: no spec for {MODEL} in {dir}: looked for {MODEL}.json and for the model in model-to-urn.json and xiaomi_miot/instances.json and instances.json")
    );
    let rows = sandbox.fields(
        &path,
        &options,
        &[
            "miio.miot.siid",
            "miio.miot.piid",
            "miio.miot.property",
            "_ws.col.Info",
        ],
    );
    assert_eq!(rows[13], ["2", "4", "", "reply id=4 ok"]);
    assert!(
        experts.iter().all(|e| !e.contains("outside its range")),
        "no checks without a spec"
    );

    // A spec file that is not one: the same, and the note says what is wrong.
    sandbox.write(&format!("empty/{MODEL}.json"), b"{\"services\": 12}");
    let experts = sandbox.expert_messages(&path, &options);
    let bad: Vec<&String> = experts
        .iter()
        .filter(|e| e.contains("No MIoT names"))
        .collect();
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].contains(&format!("spec file {dir}/{MODEL}.json: not valid JSON")),
        "{bad:?}"
    );

    // No model: the note says how to give one.
    let path = sandbox.capture("python-miio-miot-no-info.pcapng");
    let experts = sandbox.expert_messages(&path, &options);
    let notes: Vec<&String> = experts
        .iter()
        .filter(|e| e.contains("No MIoT names"))
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("the model of device 0x49567965 is not known"),
        "{notes:?}"
    );
    assert!(
        notes[0].contains("\"model 49567965 MODEL\" in the key file"),
        "{notes:?}"
    );
}

#[test]
fn python_miio_cache_is_the_default_folder() {
    let sandbox = Sandbox::new();
    let spec = std::fs::read(SPEC).unwrap();
    sandbox.write(&format!(".cache/python-miio/{MODEL}.json"), &spec);
    let path = sandbox.capture("python-miio-miot.pcapng");
    let rows = sandbox.fields(
        &path,
        &[&token_row("")],
        &["miio.miot.property", "miio.miot.value.description"],
    );
    assert_eq!(rows[13], ["mode", "Favorite"]);
}

#[test]
fn statistics_count_properties_by_name_per_model() {
    let sandbox = Sandbox::new();
    let path = sandbox.capture("python-miio-miot.pcapng");
    let folder = format!("miio.miot_spec_dir:{}", spec_folder(&sandbox));
    let out = sandbox.tshark(&[
        "-r",
        path.to_str().unwrap(),
        "-q",
        "-o",
        &token_row(""),
        "-o",
        &folder,
        "-z",
        "miio,tree",
    ]);
    let count = |name: &str| -> u64 {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {out}"));
        line[name.len() + line.find(name).unwrap()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Requests and pushes, not replies: 6 reads, 4 writes, 3 actions, 1 push, 1 event.
    assert_eq!(count("MIoT by model"), 15, "{out}");
    assert_eq!(count(MODEL), 15);
    assert_eq!(count("Properties read"), 6);
    assert_eq!(count("Properties written"), 4);
    assert_eq!(count("Properties changed"), 1);
    assert_eq!(count("Actions"), 3);
    // The first line of a name is under "Properties read".
    assert_eq!(count("air-purifier.mode"), 3);
    assert_eq!(count("99/1"), 1, "unknown ids by number");
    assert_eq!(count("filter.reset-filter-life"), 2);
    assert_eq!(count("custom-service.childlock-trigger"), 1);
}
