use super::*;

const SPEC: &[u8] = include_bytes!("../../tests/captures/miot-specs/zhimi.airp.rmb1.json");
const URN: &str = "urn:miot-spec-v2:device:air-purifier:0000A007:zhimi-rmb1:2";

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("miot-spec-dir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn loaded(l: &Lookup) -> bool {
    matches!(l, Lookup::Loaded(s) if s.services.len() == 10)
}

#[test]
fn plain_files_are_read_once_and_again_when_changed() {
    let dir = folder("plain");
    let mut specs = SpecDir::default();
    specs.set_folder(dir.to_str().unwrap());
    let missing = specs.lookup("zhimi.airp.rmb1");
    assert!(
        matches!(&missing, Lookup::Missing(w) if w.contains("zhimi.airp.rmb1.json") && w.contains("model-to-urn.json")),
        "{missing:?}"
    );
    std::fs::write(dir.join("zhimi.airp.rmb1.json"), SPEC).unwrap();
    assert!(
        matches!(specs.lookup("zhimi.airp.rmb1"), Lookup::Missing(_)),
        "checked once a capture"
    );
    specs.revalidate();
    assert!(loaded(&specs.lookup("zhimi.airp.rmb1")));
    std::fs::write(dir.join("zhimi.airp.rmb1.json"), b"{\"services\":").unwrap();
    specs.revalidate();
    let bad = specs.lookup("zhimi.airp.rmb1");
    assert!(
        matches!(&bad, Lookup::Bad(w) if w.contains("not valid JSON")),
        "{bad:?}"
    );
    assert!(matches!(specs.lookup("../etc/passwd"), Lookup::Missing(_)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn python_miio_index_and_home_assistant_storage() {
    let dir = folder("index");
    std::fs::write(
        dir.join("model-to-urn.json"),
        format!("{{\"instances\":[{{\"model\":\"zhimi.airp.rmb1\",\"type\":\"{URN}-old\",\"version\":1}},{{\"model\":\"zhimi.airp.rmb1\",\"type\":\"{URN}\",\"version\":2}}]}}"),
    )
    .unwrap();
    std::fs::write(dir.join(format!("{URN}.json")), SPEC).unwrap();
    let mut specs = SpecDir::default();
    specs.set_folder(dir.to_str().unwrap());
    assert!(
        loaded(&specs.lookup("zhimi.airp.rmb1")),
        "newest version of the index"
    );

    let ha = folder("ha");
    std::fs::create_dir_all(ha.join("xiaomi_miot")).unwrap();
    std::fs::write(
        ha.join("xiaomi_miot/instances.json"),
        format!("{{\"version\":1,\"key\":\"xiaomi_miot/instances.json\",\"data\":{{\"zhimi.airp.rmb1\":{{\"type\":\"{URN}\",\"version\":2}}}}}}"),
    )
    .unwrap();
    let mut wrapped = b"{\"version\":1,\"key\":\"k\",\"data\":".to_vec();
    wrapped.extend_from_slice(SPEC);
    wrapped.push(b'}');
    std::fs::write(ha.join("xiaomi_miot").join(format!("{URN}.json")), wrapped).unwrap();
    specs.set_folder(ha.to_str().unwrap());
    assert!(loaded(&specs.lookup("zhimi.airp.rmb1")));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&ha).unwrap();
}

#[test]
fn huge_files_missing_folders_and_a_bounded_cache() {
    let dir = folder("huge");
    let file = std::fs::File::create(dir.join("big.model.json")).unwrap();
    file.set_len(MAX_SPEC_BYTES + 1).unwrap();
    let mut specs = SpecDir::default();
    specs.set_folder(dir.to_str().unwrap());
    assert!(matches!(specs.lookup("big.model"), Lookup::Bad(w) if w.contains("larger than")));
    for i in 0..(MAX_CACHED + 10) {
        specs.lookup(&format!("m{i}"));
    }
    assert!(specs.cache.len() <= MAX_CACHED);
    specs.set_folder("/nonexistent/miot");
    assert!(matches!(specs.lookup("x"), Lookup::NoFolder(w) if w.contains("does not exist")));
    std::fs::remove_dir_all(&dir).unwrap();
}
