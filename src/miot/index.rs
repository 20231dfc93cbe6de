//! Model indexes: which spec (URN) a model has, from miot-spec.org's release
//! list as python-miio caches it (`model-to-urn.json`,
//! `{"instances":[{"model","type","version",…}]}`) or as Home Assistant's
//! hass-xiaomi-miot stores it (`xiaomi_miot/instances.json`, inside HA's
//! `{"data":…}` wrapper, as that list or as `{model: {"type","version"}}`).
//! The newest version of a model wins, as in python-miio.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::miot::spec_dir::version_of;

/// The index files looked for, relative to the spec folder.
pub const NAMES: [&str; 3] = [
    "model-to-urn.json",
    "xiaomi_miot/instances.json",
    "instances.json",
];
/// The full release list is a few MB; larger files are not read.
const MAX_INDEX_BYTES: u64 = 64 << 20;

/// model → (version, URN) of one index file.
type Models = HashMap<String, (i64, String)>;

#[derive(Debug, Default)]
pub struct Index {
    /// Per index file: its version (size, modification time) when read, its models.
    files: HashMap<PathBuf, (Option<(u64, SystemTime)>, Models)>,
    fresh: bool,
}

impl Index {
    pub fn revalidate(&mut self) {
        self.fresh = false;
    }

    /// The URN of `model`'s newest spec in any index of `dir`.
    pub fn urn_of(&mut self, dir: &Path, model: &str) -> Option<String> {
        let fresh = std::mem::replace(&mut self.fresh, true);
        NAMES.iter().find_map(|name| {
            let path = dir.join(name);
            if !fresh {
                let version = version_of(&path);
                let stale = self.files.get(&path).is_none_or(|(v, _)| *v != version);
                if stale {
                    let models = match version {
                        Some((len, _)) if len <= MAX_INDEX_BYTES => read(&path),
                        _ => HashMap::new(),
                    };
                    self.files.insert(path.clone(), (version, models));
                }
            }
            self.files
                .get(&path)?
                .1
                .get(model)
                .map(|(_, urn)| urn.clone())
        })
    }
}

#[derive(Deserialize)]
struct Release {
    model: Option<String>,
    #[serde(rename = "type")]
    urn: Option<String>,
    #[serde(default)]
    version: i64,
}

#[derive(Deserialize)]
struct Listing {
    instances: Vec<Release>,
}

/// model → (version, URN) of one index file; empty when it is not one.
fn read(path: &Path) -> Models {
    let mut models = HashMap::new();
    let Ok(text) = std::fs::read(path) else {
        return models;
    };
    let Ok(mut doc) = serde_json::from_slice::<&RawValue>(&text) else {
        return models;
    };
    // HA's storage wrapper.
    #[derive(Deserialize)]
    struct Wrapper<'a> {
        #[serde(borrow)]
        data: &'a RawValue,
    }
    if let Ok(w) = serde_json::from_str::<Wrapper>(doc.get()) {
        doc = w.data;
    }
    let releases: Vec<Release> = match serde_json::from_str::<Listing>(doc.get()) {
        Ok(listing) => listing.instances,
        Err(_) => serde_json::from_str::<HashMap<String, &RawValue>>(doc.get())
            .map(|map| {
                map.into_iter()
                    .filter_map(|(model, raw)| {
                        let mut r: Release = serde_json::from_str(raw.get()).ok()?;
                        r.model = Some(model);
                        Some(r)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    for r in releases {
        let (Some(model), Some(urn)) = (r.model, r.urn) else {
            continue;
        };
        let newer = models.get(&model).is_none_or(|(v, _)| r.version > *v);
        if newer {
            models.insert(model, (r.version, urn));
        }
    }
    models
}
