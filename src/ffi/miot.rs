//! The MIoT part of the C ABI: a frame's model and spec status (in
//! `miio_frame_info`), its entries (`miio_miot_copy`), the spec folder.

use std::ffi::c_char;

use crate::abi::{
    miio_miot_entry, miio_miot_frame, miio_miot_kind, miio_miot_method, miio_model_source,
    miio_spec_status, miio_status, MIIO_MODEL_CAP, MIIO_TEXT_CAP,
};
use crate::ffi::{guarded, put_text, span, text};
use crate::miot::codes::code_name;
use crate::miot::entries::{Kind, Method};
use crate::miot::frame::{MiotFrame, SpecStatus};
use crate::miot::models::ModelSource;
use crate::miot::naming::{Names, Resolved};
use crate::miot::spec::Spec;
use crate::miot::summary::push_name;
use crate::state::{self, DissectorState};

/// The C view of a frame's MIoT side (its entries are copied separately).
pub(crate) fn frame(m: &MiotFrame) -> miio_miot_frame {
    let mut model = [0 as c_char; MIIO_MODEL_CAP as usize];
    let mut note = [0 as c_char; MIIO_TEXT_CAP as usize];
    let (source, reference) = match m.model.as_ref().map(|(_, s)| *s) {
        None => (miio_model_source::MIIO_MODEL_NONE, 0),
        Some(ModelSource::InfoReply(n)) => (miio_model_source::MIIO_MODEL_INFO_REPLY, n),
        Some(ModelSource::OtcInfo(n)) => (miio_model_source::MIIO_MODEL_OTC_INFO, n),
        Some(ModelSource::MicloudReply(n)) => (miio_model_source::MIIO_MODEL_MICLOUD, n),
        Some(ModelSource::Mdns(n)) => (miio_model_source::MIIO_MODEL_MDNS, n),
        Some(ModelSource::FileLine(n)) => (miio_model_source::MIIO_MODEL_FILE_LINE, n),
        Some(ModelSource::TableRow(n)) => (miio_model_source::MIIO_MODEL_TABLE_ROW, n),
    };
    put_text(&mut model, m.model.as_ref().map_or("", |(n, _)| n));
    put_text(&mut note, m.note.as_deref().unwrap_or(""));
    miio_miot_frame {
        method: match m.method {
            None => miio_miot_method::MIIO_MIOT_METHOD_NONE,
            Some(Method::GetProperties) => miio_miot_method::MIIO_MIOT_METHOD_GET_PROPERTIES,
            Some(Method::SetProperties) => miio_miot_method::MIIO_MIOT_METHOD_SET_PROPERTIES,
            Some(Method::PropertiesChanged) => {
                miio_miot_method::MIIO_MIOT_METHOD_PROPERTIES_CHANGED
            }
            Some(Method::Action) => miio_miot_method::MIIO_MIOT_METHOD_ACTION,
            Some(Method::EventOccured) => miio_miot_method::MIIO_MIOT_METHOD_EVENT_OCCURED,
        },
        reply: u8::from(m.reply),
        model,
        model_source: source,
        model_ref: reference,
        spec_status: match m.status {
            SpecStatus::NotMiot => miio_spec_status::MIIO_SPEC_NOT_MIOT,
            SpecStatus::NoModel => miio_spec_status::MIIO_SPEC_NO_MODEL,
            SpecStatus::NoFolder => miio_spec_status::MIIO_SPEC_NO_FOLDER,
            SpecStatus::Missing => miio_spec_status::MIIO_SPEC_MISSING,
            SpecStatus::Bad => miio_spec_status::MIIO_SPEC_BAD,
            SpecStatus::Loaded => miio_spec_status::MIIO_SPEC_LOADED,
        },
        spec_note: note,
        spec_note_first: u8::from(m.note_here),
        entry_count: u32::try_from(m.entries.len()).unwrap_or(u32::MAX),
        entries_cut: u32::try_from(m.cut).unwrap_or(u32::MAX),
    }
}

/// Keeps a frame's entries for `miio_miot_copy`.
pub(crate) fn keep(state: &mut DissectorState, m: &mut MiotFrame) {
    state.miot.last = std::mem::take(&mut m.entries);
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_miot_copy(
    entries: *mut miio_miot_entry,
    cap: usize,
    copied: *mut usize,
) -> miio_status {
    guarded(|| {
        let Some(copied) = copied.as_mut() else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        *copied = 0;
        if entries.is_null() && cap != 0 {
            return miio_status::MIIO_ERR_NULL_ARG;
        }
        let state = state::lock();
        let spec = state.miot.last_spec.as_deref();
        for (i, r) in state.miot.last.iter().take(cap).enumerate() {
            let (spec, model) = match state.miot.last_devices.get(i) {
                Some(own) => (own.spec.as_deref(), own.model.as_deref()),
                None => (spec, None),
            };
            let mut e = entry(r, spec);
            put_text(&mut e.model, model.unwrap_or(""));
            entries.add(i).write(e);
            *copied = i + 1;
        }
        miio_status::MIIO_OK
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_miot_spec_folder_use(path: *const c_char) -> miio_status {
    guarded(|| {
        state::lock().miot.specs.set_folder(text(path).trim());
        miio_status::MIIO_OK
    })
}

fn entry(r: &Resolved, spec: Option<&Spec>) -> miio_miot_entry {
    let e = &r.entry;
    // SAFETY: all-zero is a valid miio_miot_entry (integers, arrays, enums
    // whose 0 is a member).
    let mut out: miio_miot_entry = unsafe { std::mem::zeroed() };
    out.kind = match e.kind {
        Kind::Property => miio_miot_kind::MIIO_MIOT_PROPERTY,
        Kind::Action => miio_miot_kind::MIIO_MIOT_ACTION,
        Kind::Event => miio_miot_kind::MIIO_MIOT_EVENT,
        Kind::Argument => miio_miot_kind::MIIO_MIOT_ARGUMENT,
    };
    out.span = span(Some(e.span));
    (out.has_siid, out.siid) = (u8::from(r.siid.is_some()), r.siid.unwrap_or(0));
    out.siid_span = span(e.siid.map(|(_, s)| s));
    (out.has_iid, out.iid) = (u8::from(r.iid.is_some()), r.iid.unwrap_or(0));
    out.iid_span = span(e.iid.map(|(_, s)| s));
    out.value = span(e.value);
    (out.has_code, out.code) = (u8::from(e.code.is_some()), e.code.map_or(0, |(c, _)| c));
    out.code_span = span(e.code.map(|(_, s)| s));
    out.problems = r.problems;
    put_text(
        &mut out.code_name,
        e.code.and_then(|(c, _)| code_name(c)).unwrap_or(""),
    );
    put_text(&mut out.problem, r.problem_text.as_deref().unwrap_or(""));
    let names = spec.map(|spec| Names::of(spec, r)).unwrap_or_default();
    let mut full_name = String::with_capacity(48);
    let service = names.service.filter(|_| e.kind != Kind::Argument);
    push_name(
        &mut full_name,
        service.map(|s| s.name.as_str()),
        names.item(),
        r,
    );
    put_text(&mut out.full_name, &full_name);
    if let Some(service) = service {
        put_text(&mut out.service, &service.name);
        put_text(&mut out.service_description, &service.description);
    }
    put_text(&mut out.name, names.item().unwrap_or(""));
    put_text(&mut out.description, names.description().unwrap_or(""));
    if let Some(p) = names.property {
        put_text(&mut out.format, &p.format);
        put_text(&mut out.unit, p.unit.as_deref().unwrap_or(""));
        let described = r.value_index.and_then(|i| p.values.get(i));
        put_text(&mut out.value_description, described.map_or("", |(_, d)| d));
    }
    out
}
