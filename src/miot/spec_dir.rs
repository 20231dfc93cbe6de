//! Where spec files come from: a folder (the `miio.miot_spec_dir`
//! preference, or python-miio's cache folder when that is empty). Files are
//! read lazily, once per model, kept in a bounded cache, and read again when
//! their size or modification time changed (checked once a capture, as the
//! key file is).
//!
//! A model's file is `<model>.json` (python-miio's cache, plain files), or
//! the file a model index names by URN: python-miio's `model-to-urn.json`
//! or Home Assistant's `xiaomi_miot/instances.json`, whose specs are
//! `xiaomi_miot/<urn>.json`.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::miot::index;
use crate::miot::spec::{self, Spec};

/// Larger spec files are refused (the largest published ones are ~200 KB).
pub const MAX_SPEC_BYTES: u64 = 4 << 20;
/// Models whose specs are kept at once.
pub const MAX_CACHED: usize = 32;

type Version = (u64, SystemTime);

/// What a model's spec is, for the tree.
#[derive(Debug, Clone)]
pub enum Lookup {
    Loaded(Arc<Spec>),
    /// No folder to look in: why.
    NoFolder(String),
    /// No file for the model: where it was looked for.
    Missing(String),
    /// A file that cannot be used: which, and why.
    Bad(String),
}

#[derive(Debug)]
struct Cached {
    /// The file read and its version; `None` when none was found.
    file: Option<(PathBuf, Option<Version>)>,
    lookup: Lookup,
    /// Checked against the disk in this capture.
    fresh: bool,
}

#[derive(Debug, Default)]
pub struct SpecDir {
    /// The preference as set ("" = python-miio's cache folder).
    setting: String,
    cache: HashMap<String, Cached>,
    /// Models in the order they were cached, for eviction.
    order: VecDeque<String>,
    index: index::Index,
}

impl SpecDir {
    /// Uses the folder `setting` names (empty: python-miio's cache folder).
    pub fn set_folder(&mut self, setting: &str) {
        if setting != self.setting {
            *self = SpecDir {
                setting: setting.to_string(),
                ..SpecDir::default()
            };
        }
    }

    /// A new capture: every file is checked against the disk again.
    pub fn revalidate(&mut self) {
        self.cache.values_mut().for_each(|c| c.fresh = false);
        self.index.revalidate();
    }

    /// The folder in use, or why there is none.
    pub fn folder(&self) -> Result<PathBuf, String> {
        if !self.setting.is_empty() {
            let dir = PathBuf::from(&self.setting);
            return match dir.is_dir() {
                true => Ok(dir),
                false => Err(format!(
                    "the MIoT spec folder {} does not exist",
                    dir.display()
                )),
            };
        }
        match python_miio_cache() {
            Some(dir) if dir.is_dir() => Ok(dir),
            Some(dir) => Err(format!(
                "no MIoT spec folder set, and python-miio's cache {} does not exist",
                dir.display()
            )),
            None => Err("no MIoT spec folder set".into()),
        }
    }

    /// The spec of `model`: from the cache when the file did not change.
    pub fn lookup(&mut self, model: &str) -> Lookup {
        if let Some(c) = self.cache.get(model).filter(|c| c.fresh) {
            return c.lookup.clone();
        }
        let cached = self.load(model);
        let lookup = cached.lookup.clone();
        if !self.cache.contains_key(model) {
            if self.order.len() >= MAX_CACHED {
                if let Some(old) = self.order.pop_front() {
                    self.cache.remove(&old);
                }
            }
            self.order.push_back(model.to_string());
        }
        self.cache.insert(model.to_string(), cached);
        lookup
    }

    fn load(&mut self, model: &str) -> Cached {
        let dir = match self.folder() {
            Ok(dir) => dir,
            Err(why) => return uncached(Lookup::NoFolder(why)),
        };
        let Some(path) = self.find(&dir, model) else {
            let looked = format!(
                "no spec for {model} in {}: looked for {model}.json and for the model in {}",
                dir.display(),
                index::NAMES.join(" and ")
            );
            return uncached(Lookup::Missing(looked));
        };
        let version = version_of(&path);
        if let Some(old) = self.cache.get(model) {
            if old.file.as_ref() == Some(&(path.clone(), version)) && version.is_some() {
                return Cached {
                    file: old.file.clone(),
                    lookup: old.lookup.clone(),
                    fresh: true,
                };
            }
        }
        let lookup = match read_spec(&path) {
            Ok(spec) => Lookup::Loaded(Arc::new(spec)),
            Err(why) => Lookup::Bad(format!("spec file {}: {why}", path.display())),
        };
        Cached {
            file: Some((path, version)),
            lookup,
            fresh: true,
        }
    }

    /// `<model>.json`, or the file of the URN an index gives the model.
    fn find(&mut self, dir: &Path, model: &str) -> Option<PathBuf> {
        if model.is_empty() || model.contains(['/', '\\']) || model.starts_with('.') {
            return None;
        }
        let plain = dir.join(format!("{model}.json"));
        if plain.is_file() {
            return Some(plain);
        }
        let urn = self.index.urn_of(dir, model)?;
        if urn.contains(['/', '\\']) {
            return None;
        }
        [
            dir.join(format!("{urn}.json")),
            dir.join("xiaomi_miot").join(format!("{urn}.json")),
        ]
        .into_iter()
        .find(|p| p.is_file())
    }
}

fn uncached(lookup: Lookup) -> Cached {
    Cached {
        file: None,
        lookup,
        fresh: true,
    }
}

pub(crate) fn version_of(path: &Path) -> Option<Version> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

fn read_spec(path: &Path) -> Result<Spec, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_SPEC_BYTES {
        return Err(format!(
            "{len} bytes, larger than the {} MiB a spec may have",
            MAX_SPEC_BYTES >> 20
        ));
    }
    let text = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    spec::parse(&text)
}

/// python-miio's cache folder (appdirs' user cache dir on Linux).
fn python_miio_cache() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("python-miio"))
}

#[cfg(test)]
#[path = "spec_dir_tests.rs"]
mod tests;
