//! A decrypted reply's keys put where the rest of the capture finds them,
//! on the first pass: device tokens into the key store (local miIO frames
//! that waited for them are decrypted now), models for MIoT naming, BLE
//! bindkeys into the MiBeacon keyring.

use super::dissect::{Context, Dissection, Harvest};
use super::harvest::{beaconkey, device_list, Device};
use crate::keys::store::KeyOrigin;
use crate::miot::models::ModelSource;
use crate::state::DissectorState;

/// More devices than this remembered for their MACs start the memory over.
const MAX_MACS: usize = 4096;

/// What the reply to `d`'s request revealed (applied on the first pass).
pub fn harvest(
    state: &mut DissectorState,
    ctx: &Context,
    d: &Dissection,
    plain: &[u8],
) -> Vec<Harvest> {
    // Without a path (HTTP/2, an unknown endpoint) the reply's shape tells.
    let path = d.path.as_deref().unwrap_or("");
    let devices = device_list(plain);
    let is_list = path.ends_with("device_list") || path.ends_with("/device_list_page");
    if is_list || (path.is_empty() && !devices.is_empty()) {
        if !ctx.visited {
            for dev in &devices {
                apply_device(state, ctx.frame, dev);
            }
        }
        return devices
            .into_iter()
            .map(|device| Harvest {
                device,
                bindkey: None,
            })
            .collect();
    }
    if path.ends_with("/blt_get_beaconkey") || path.is_empty() {
        let Some((did, key)) = d
            .record
            .data
            .as_deref()
            .and_then(|data| beaconkey(data, plain))
        else {
            return Vec::new();
        };
        let mac = state.micloud.macs.get(&did).copied();
        if !ctx.visited {
            state.bindkeys.learn(mac, key.clone(), ctx.frame);
        }
        let device = Device {
            did,
            mac,
            ..Device::default()
        };
        return vec![Harvest {
            device,
            bindkey: Some(key),
        }];
    }
    Vec::new()
}

fn apply_device(state: &mut DissectorState, frame: u32, dev: &Device) {
    if let Some(mac) = dev.mac {
        if state.micloud.macs.len() >= MAX_MACS {
            state.micloud.macs.clear();
        }
        state.micloud.macs.insert(dev.did.clone(), mac);
    }
    if let Some(model) = &dev.model {
        state
            .miot
            .models
            .learn_did(&dev.did, model, ModelSource::MicloudReply(frame));
    }
    let Some(id) = dev.miio_id() else {
        return;
    };
    if state.micloud.dids.len() < MAX_MACS && !state.micloud.dids.contains(&dev.did) {
        state.micloud.dids.push(dev.did.clone());
    }
    if let Some(model) = &dev.model {
        state
            .miot
            .models
            .learn(id, model, ModelSource::MicloudReply(frame));
    }
    if let Some(token) = dev.token {
        if let Some(key) = state.keys.learn(id, token, KeyOrigin::MicloudReply(frame)) {
            crate::miio::dissect::replay_pending(state, id, key);
        }
    }
}
