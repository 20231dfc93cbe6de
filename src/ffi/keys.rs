//! The key part of the C ABI: checking a key table row, replacing the
//! table's keys (and the models their comments give), using a key file.

use std::ffi::c_char;
use std::path::PathBuf;

use crate::abi::{miio_key_row, miio_status};
use crate::ffi::{guarded, text, write_text};
use crate::keys::roborock::{parse_any_row, AnyKeyEntry};
use crate::keys::RawRow;
use crate::miot::models::model_in_comment;
use crate::{keys::file as key_file, state};

unsafe fn raw_row<'a>(row: &'a miio_key_row) -> [std::borrow::Cow<'a, str>; 4] {
    [
        text(row.device_id),
        text(row.key_type),
        text(row.key),
        text(row.comment),
    ]
}

fn check_row(
    fields: &[std::borrow::Cow<'_, str>; 4],
    row: Option<u32>,
) -> Result<AnyKeyEntry, String> {
    let raw = RawRow {
        device_id: &fields[0],
        key_type: &fields[1],
        key: &fields[2],
        comment: &fields[3],
    };
    parse_any_row(&raw, row)
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_key_file_use(
    path: *const c_char,
    report: *mut c_char,
    report_cap: usize,
    changed: *mut u8,
    keys_loaded: *mut usize,
) -> miio_status {
    guarded(|| {
        write_text(report, report_cap, "");
        let path = PathBuf::from(text(path).trim());
        let outcome = key_file::use_file(&mut state::lock(), &path);
        if let Some(changed) = changed.as_mut() {
            *changed = u8::from(outcome.changed);
        }
        if let Some(loaded) = keys_loaded.as_mut() {
            *loaded = outcome.keys_loaded;
        }
        write_text(report, report_cap, &outcome.report.join("\n"));
        if outcome.readable {
            miio_status::MIIO_OK
        } else {
            miio_status::MIIO_ERR_INVALID
        }
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_key_row_check(
    row: *const miio_key_row,
    message: *mut c_char,
    message_cap: usize,
) -> miio_status {
    guarded(|| {
        write_text(message, message_cap, "");
        let Some(row) = row.as_ref() else {
            return miio_status::MIIO_ERR_NULL_ARG;
        };
        // The UAT callback sees one row at a time, without its position.
        match check_row(&raw_row(row), None) {
            Ok(_) => miio_status::MIIO_OK,
            Err(msg) => {
                write_text(message, message_cap, &msg);
                miio_status::MIIO_ERR_INVALID
            }
        }
    })
}

/// # Safety
/// See include/miio_dissector.h.
#[no_mangle]
pub unsafe extern "C" fn miio_key_store_replace(
    rows: *const miio_key_row,
    row_count: usize,
    rows_loaded: *mut usize,
) -> miio_status {
    guarded(|| {
        let rows: &[miio_key_row] = if rows.is_null() {
            if row_count != 0 {
                return miio_status::MIIO_ERR_NULL_ARG;
            }
            &[]
        } else {
            std::slice::from_raw_parts(rows, row_count)
        };
        let (mut miio, mut roborock, mut models) = (Vec::new(), Vec::new(), Vec::new());
        let (mut bindkeys, mut ssecurities) = (Vec::new(), Vec::new());
        for (i, row) in rows.iter().enumerate() {
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let fields = raw_row(row);
            match check_row(&fields, Some(position)) {
                Ok(AnyKeyEntry::Miio(e)) => {
                    // "model=MODEL" in the comment of a row for one device.
                    if let (Some(device), Some(model)) = (e.device_id, model_in_comment(&fields[3]))
                    {
                        models.push((device, model.to_string(), position));
                    }
                    miio.push(e)
                }
                Ok(AnyKeyEntry::Roborock(e)) => roborock.push(e),
                Ok(AnyKeyEntry::Bindkey(e)) => bindkeys.push(e),
                Ok(AnyKeyEntry::Ssecurity(e)) => ssecurities.push((e.key, e.row)),
                Err(_) => {}
            }
        }
        if let Some(loaded) = rows_loaded.as_mut() {
            *loaded = miio.len() + roborock.len() + bindkeys.len() + ssecurities.len();
        }
        let mut state = state::lock();
        state.keys.set_table_keys(miio);
        state.roborock.set_table_keys(roborock);
        state.bindkeys.set_table_keys(bindkeys);
        state.micloud.set_table_keys(ssecurities);
        state.miot.models.set_table(models);
        miio_status::MIIO_OK
    })
}
