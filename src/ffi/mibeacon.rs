//! The MiBeacon entry points of include/mibeacon_abi.h.

use super::{bytes, bytes_mut, guarded, put_text};
use crate::abi::{
    mibeacon_context, mibeacon_found, mibeacon_info, mibeacon_key_origin as Origin, mibeacon_kind,
    mibeacon_layout, mibeacon_mic_status as MicStatus, mibeacon_object, mibeacon_quantity,
    mibeacon_reading, miio_status, MIBEACON_MAX_OBJECTS, MIBEACON_MAX_READINGS,
};
use crate::mibeacon::dissect::{dissect, Context, Dissection, Mic};
use crate::mibeacon::keyring::KeySource;
use crate::mibeacon::locate::{locate, Layout};
use crate::mibeacon::objects;
use crate::mibeacon::products::product;
use crate::mibeacon::quantities::{Kind, Value, QUANTITIES};
use crate::state;

/// # Safety
/// See include/mibeacon_abi.h.
#[no_mangle]
pub unsafe extern "C" fn mibeacon_quantity_get(
    index: usize,
    out: *mut mibeacon_quantity,
) -> miio_status {
    guarded(|| {
        let Some(out) = out.as_mut() else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let Some(q) = QUANTITIES.get(index) else {
            return miio_status::MIIO_ERR_INVALID;
        };
        put_text(&mut out.key, q.key);
        put_text(&mut out.name, q.name);
        put_text(&mut out.unit, q.unit);
        out.kind = match q.kind {
            Kind::Float => mibeacon_kind::MIBEACON_KIND_FLOAT,
            Kind::Uint => mibeacon_kind::MIBEACON_KIND_UINT,
            Kind::Bool => mibeacon_kind::MIBEACON_KIND_BOOL,
            Kind::Text => mibeacon_kind::MIBEACON_KIND_TEXT,
        };
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/mibeacon_abi.h.
#[no_mangle]
pub unsafe extern "C" fn mibeacon_dissect(
    data: *const u8,
    len: usize,
    ctx: *const mibeacon_context,
    plaintext: *mut u8,
    plaintext_cap: usize,
    info: *mut mibeacon_info,
) -> miio_status {
    guarded(|| {
        let (Some(data), Some(c), Some(out), Some(info)) = (
            bytes(data, len),
            ctx.as_ref(),
            bytes_mut(plaintext, plaintext_cap),
            info.as_mut(),
        ) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let ctx = Context {
            address: (c.has_address != 0).then_some(c.address),
        };
        let d = dissect(data, &ctx, &mut state::lock().bindkeys);
        // Decrypted objects past the caller's buffer are not shown.
        let written = d.plaintext.len().min(out.len());
        out[..written].copy_from_slice(&d.plaintext[..written]);
        fill(info, &d, data, written);
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/mibeacon_abi.h.
#[no_mangle]
pub unsafe extern "C" fn mibeacon_locate(
    packet: *const u8,
    len: usize,
    layout: mibeacon_layout,
    found: *mut mibeacon_found,
    cap: usize,
    count: *mut usize,
) -> miio_status {
    guarded(|| {
        let (Some(packet), Some(count)) = (bytes(packet, len), count.as_mut()) else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        let out: &mut [mibeacon_found] = if found.is_null() {
            if cap != 0 {
                return miio_status::MIIO_ERR_NULL_ARG;
            }
            &mut []
        } else {
            std::slice::from_raw_parts_mut(found, cap)
        };
        let layout = match layout {
            mibeacon_layout::MIBEACON_LAYOUT_LE_LL_WITH_PHDR => Layout::LeLinkLayerWithPhdr,
            mibeacon_layout::MIBEACON_LAYOUT_HCI_H4 => Layout::HciH4,
            mibeacon_layout::MIBEACON_LAYOUT_HCI_EVENT => Layout::HciEvent,
            mibeacon_layout::MIBEACON_LAYOUT_LE_LL => Layout::LeLinkLayer,
            mibeacon_layout::MIBEACON_LAYOUT_NORDIC_BLE => Layout::NordicBle,
        };
        let all = locate(layout, packet);
        *count = all.len();
        for (slot, f) in out.iter_mut().zip(&all) {
            *slot = mibeacon_found {
                offset: f.frame.start as u32,
                length: f.frame.len() as u32,
                has_address: u8::from(f.address.is_some()),
                address: f.address.unwrap_or_default(),
                manufacturer: u8::from(f.manufacturer),
            };
        }
        miio_status::MIIO_OK
    })
}

fn fill(info: &mut mibeacon_info, d: &Dissection, data: &[u8], written: usize) {
    // SAFETY: mibeacon_info is plain C data; all zeros is a valid value.
    *info = unsafe { std::mem::zeroed() };
    put_text(&mut info.summary, &d.summary);
    put_text(&mut info.key_note, &d.key_note);
    let Ok(f) = &d.frame else {
        return;
    };
    info.parsed = 1;
    (info.control, info.version, info.product_id, info.counter) =
        (f.control, f.version, f.product_id, f.counter);
    if let Some((model, name)) = product(f.product_id) {
        put_text(&mut info.product_model, model);
        put_text(&mut info.product_name, name);
    }
    if let Some(mac) = f.mac {
        (info.has_mac, info.mac) = (1, mac);
    }
    if let Some(sender) = d.mac {
        (info.has_sender, info.sender) = (1, sender);
    }
    if let Some(c) = f.capability {
        (info.has_capability, info.capability) = (1, c);
    }
    if let Some(io) = f.io_capability {
        (info.has_io_capability, info.io_capability) = (1, io);
    }
    (info.body_offset, info.body_len) = (f.body.start as u32, f.body.len() as u32);
    if let Some(r) = &f.ext_counter {
        let b = &data[r.clone()];
        info.has_ext_counter = 1;
        info.ext_counter_offset = r.start as u32;
        info.ext_counter = u32::from_le_bytes([b[0], b[1], b[2], 0]);
    }
    if let Some(r) = &f.mic {
        (info.has_mic, info.mic_offset) = (1, r.start as u32);
    }
    info.mic_status = match d.mic {
        Mic::Clear => MicStatus::MIBEACON_MIC_CLEAR,
        Mic::Good => MicStatus::MIBEACON_MIC_GOOD,
        Mic::Bad => MicStatus::MIBEACON_MIC_BAD,
        Mic::Unchecked => MicStatus::MIBEACON_MIC_UNCHECKED,
        Mic::NoKey => MicStatus::MIBEACON_MIC_NO_KEY,
        Mic::NoMatch => MicStatus::MIBEACON_MIC_NO_MATCH,
        Mic::WrongKind => MicStatus::MIBEACON_MIC_WRONG_KIND,
        Mic::NoAddress => MicStatus::MIBEACON_MIC_NO_ADDRESS,
    };
    (info.key_origin, info.key_row) = match d.key {
        None => (Origin::MIBEACON_KEY_NONE, 0),
        Some(KeySource::TableRow(n)) => (Origin::MIBEACON_KEY_TABLE_ROW, n),
        Some(KeySource::FileLine(n)) => (Origin::MIBEACON_KEY_FILE_LINE, n),
        Some(KeySource::Learned(n)) => (Origin::MIBEACON_KEY_LEARNED, n),
    };
    info.keys_tried = d.keys_tried;
    info.plaintext_len = written as u32;
    fill_objects(info, d, written);
}

fn fill_objects(info: &mut mibeacon_info, d: &Dissection, written: usize) {
    let decrypted = !matches!(d.mic, Mic::Clear);
    // An object of the plaintext is drawn only when the buffer holds it.
    let shown = |end: usize| !decrypted || end <= written;
    let mut count = 0usize;
    for (i, o) in d.objects.iter().enumerate() {
        if count == MIBEACON_MAX_OBJECTS as usize || !shown(o.value.end) {
            info.objects_cut = 1;
            break;
        }
        let slot: &mut mibeacon_object = &mut info.objects[count];
        slot.id = o.id;
        (slot.offset, slot.len) = (o.value.start as u32, o.value.len() as u32);
        put_text(&mut slot.name, objects::name(o.id).unwrap_or(""));
        let value = d
            .readings
            .iter()
            .filter(|(at, _)| *at == i)
            .map(|(_, r)| r.summary())
            .collect::<Vec<_>>()
            .join(", ");
        put_text(&mut slot.value, &value);
        count += 1;
    }
    info.object_count = count as u32;
    let mut n = 0usize;
    for (object, r) in &d.readings {
        if *object >= count || n == MIBEACON_MAX_READINGS as usize {
            continue;
        }
        let slot: &mut mibeacon_reading = &mut info.readings[n];
        slot.quantity = QUANTITIES
            .iter()
            .position(|q| q.key == r.quantity.key)
            .unwrap_or(0) as u32;
        slot.object = *object as u32;
        match &r.value {
            Value::Float(v) => slot.number = *v,
            Value::Uint(v) => slot.uint = *v,
            Value::Bool(b) => slot.uint = u32::from(*b),
            Value::Text(t) => put_text(&mut slot.text, t),
            Value::String(t) => put_text(&mut slot.text, t),
        }
        n += 1;
    }
    info.reading_count = n as u32;
    if let Some(rest) = d.rest.as_ref().filter(|r| shown(r.end)) {
        (info.has_rest, info.rest_offset, info.rest_len) =
            (1, rest.start as u32, rest.len() as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::ptr;

    fn zeroed() -> mibeacon_info {
        // SAFETY: plain C data; all zeros is valid (every enum has a 0).
        unsafe { std::mem::zeroed() }
    }

    fn text(buf: &[std::ffi::c_char]) -> String {
        // SAFETY: put_text always writes a NUL inside the array.
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_clear_frame_through_the_abi() {
        // test_Xiaomi_HHCCJCY01: v2, clear, temperature 19.6 °C.
        let data = [
            0x71, 0x20, 0x98, 0x00, 0x12, 0xf3, 0x4f, 0x6b, 0x8d, 0x7c, 0xc4, 0x0d, 0x04, 0x10,
            0x02, 0xc4, 0x00,
        ];
        let ctx = mibeacon_context {
            has_address: 0,
            address: [0; 6],
        };
        let mut info = zeroed();
        let mut plain = [0u8; 16];
        // SAFETY: every pointer is valid for its length.
        let status = unsafe {
            mibeacon_dissect(
                data.as_ptr(),
                data.len(),
                &ctx,
                plain.as_mut_ptr(),
                16,
                &mut info,
            )
        };
        assert_eq!(status, miio_status::MIIO_OK);
        assert_eq!((info.parsed, info.version, info.product_id), (1, 2, 0x0098));
        assert_eq!(info.mac, [0xC4, 0x7C, 0x8D, 0x6B, 0x4F, 0xF3]);
        assert_eq!((info.object_count, info.reading_count), (1, 1));
        assert_eq!((info.objects[0].offset, info.objects[0].len), (15, 2));
        assert_eq!(text(&info.objects[0].value), "temperature 19.6 °C");
        assert_eq!(info.readings[0].number, 19.6);
        assert_eq!(
            text(&info.summary),
            "MiBeacon v2 HHCCJCY01: temperature 19.6 °C"
        );
    }

    #[test]
    fn null_and_short_arguments() {
        let ctx = mibeacon_context {
            has_address: 0,
            address: [0; 6],
        };
        let mut info = zeroed();
        // SAFETY: NULL with length 0 is allowed; the other pointers are valid.
        let empty =
            unsafe { mibeacon_dissect(ptr::null(), 0, &ctx, ptr::null_mut(), 0, &mut info) };
        assert_eq!(empty, miio_status::MIIO_OK);
        assert_eq!(info.parsed, 0);
        // SAFETY: a NULL info is refused before any write.
        let no_info =
            unsafe { mibeacon_dissect(ptr::null(), 0, &ctx, ptr::null_mut(), 0, ptr::null_mut()) };
        assert_eq!(no_info, miio_status::MIIO_ERR_NULL_ARG);
        // SAFETY: NULL with a non-zero length is refused.
        let bad = unsafe { mibeacon_dissect(ptr::null(), 4, &ctx, ptr::null_mut(), 0, &mut info) };
        assert_eq!(bad, miio_status::MIIO_ERR_NULL_ARG);
    }

    #[test]
    fn the_quantity_table() {
        let mut q: mibeacon_quantity = unsafe { std::mem::zeroed() };
        let mut n = 0;
        // SAFETY: q is a valid out pointer.
        while unsafe { mibeacon_quantity_get(n, &mut q) } == miio_status::MIIO_OK {
            assert!(!text(&q.key).is_empty());
            n += 1;
        }
        assert_eq!(n, QUANTITIES.len());
        // SAFETY: NULL is refused.
        let null = unsafe { mibeacon_quantity_get(0, ptr::null_mut()) };
        assert_eq!(null, miio_status::MIIO_ERR_NULL_ARG);
    }
}
