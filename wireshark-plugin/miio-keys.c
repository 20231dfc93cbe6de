/*
 * miio-keys.c - where keys come from: the "miio_keys" preference table (UAT)
 * of device tokens and cloud keys, and the key file preference. Wireshark
 * owns the rows and the path; validation, file parsing and the key store are
 * in Rust (miio_key_row_check, miio_key_store_replace, miio_key_file_use).
 *
 * Table columns (a public contract: saved preferences depend on them):
 *   device_id, type, key, comment
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/uat.h>
#include <wsutil/report_message.h>
#include <wsutil/wmem/wmem.h>

#include "miio_dissector.h"
#include "miio-shim.h"
#include "ws-compat.h"

typedef struct {
    char *device_id;
    char *type;
    char *key;
    char *comment;
} miio_key_record_t;

static miio_key_record_t *miio_key_records;
static unsigned miio_key_record_count;
static const char *miio_key_file_path = "";

/* Choices offered in the GUI's drop-down for the type column. */
static const value_string miio_key_type_vals[] = {
    { 0, "token" },
    { 1, "cloud" },
    { 2, "roborock" },
    { 3, "bindkey" },
    { 4, "ssecurity" },
    { 0, NULL }
};

/* Accepts any text: the row check in Rust refuses an unknown type with a
 * message that names the column, which Wireshark's enum check would not. */
static miio_bool miio_key_type_chk(void *record _U_, const char *text _U_, unsigned len _U_,
                                       const void *chk_data _U_, const void *fld_data _U_,
                                       char **error _U_)
{
    return TRUE;
}

UAT_CSTRING_CB_DEF(miio_keys, device_id, miio_key_record_t)
UAT_CSTRING_CB_DEF(miio_keys, type, miio_key_record_t)
UAT_CSTRING_CB_DEF(miio_keys, key, miio_key_record_t)
UAT_CSTRING_CB_DEF(miio_keys, comment, miio_key_record_t)

static miio_key_row miio_key_record_as_row(const miio_key_record_t *rec)
{
    miio_key_row row = { rec->device_id, rec->type, rec->key, rec->comment };
    return row;
}

static void *miio_key_record_copy(void *dest, const void *source, size_t len _U_)
{
    const miio_key_record_t *src = (const miio_key_record_t *)source;
    miio_key_record_t *dst = (miio_key_record_t *)dest;

    dst->device_id = g_strdup(src->device_id);
    dst->type = g_strdup(src->type);
    dst->key = g_strdup(src->key);
    dst->comment = g_strdup(src->comment);
    return dst;
}

static miio_bool miio_key_record_update(void *record, char **error)
{
    miio_key_row row = miio_key_record_as_row((const miio_key_record_t *)record);
    char message[MIIO_TEXT_CAP];

    if (miio_key_row_check(&row, message, sizeof message) == MIIO_OK)
        return TRUE;
    *error = g_strdup(message[0] ? message : "miio_keys: row refused");
    return FALSE;
}

static void miio_key_record_free(void *record)
{
    miio_key_record_t *rec = (miio_key_record_t *)record;

    g_free(rec->device_id);
    g_free(rec->type);
    g_free(rec->key);
    g_free(rec->comment);
}

/*
 * Hands the table's valid rows to the Rust key store. Called after every
 * change, and at the start of every (re)dissection: when a saved table has a
 * bad row, Wireshark reports it and keeps the valid rows but skips the
 * post-update callback, so a push on change alone would lose them.
 */
static void miio_keys_push(void)
{
    miio_key_row *rows = g_new0(miio_key_row, miio_key_record_count ? miio_key_record_count : 1);
    size_t loaded = 0;

    for (unsigned i = 0; i < miio_key_record_count; i++)
        rows[i] = miio_key_record_as_row(&miio_key_records[i]);
    miio_key_store_replace(rows, miio_key_record_count, &loaded);
    g_free(rows);
}

static void miio_keys_reset(void)
{
    miio_key_store_replace(NULL, 0, NULL);
}

/* (Re)reads the key file when its path or contents changed, and reports the
 * lines it refused, once per change. */
void miio_keys_apply_file_preference(void)
{
    char report[4096];
    uint8_t changed = 0;
    size_t loaded = 0;

    miio_key_file_use(miio_key_file_path ? miio_key_file_path : "", report, sizeof report,
                      &changed, &loaded);
    if (changed && report[0])
        report_warning("miIO: %s", report);
}

/* At the start of every (re)dissection: the table as it is now, and the
 * key file if it changed on disk. */
static void miio_keys_init(void)
{
    miio_keys_push();
    miio_keys_apply_file_preference();
}

void miio_keys_register(module_t *miio_module)
{
    static uat_field_t miio_key_fields[] = {
        UAT_FLD_CSTRING(miio_keys, device_id, "Device ID",
            "Device id as 8 hex digits (e.g. 0a1b2c3d), as shown in miio.device_id; for a roborock row "
            "the duid; for a bindkey row the advertiser's MAC (e.g. A4:C1:38:02:83:F4, as shown in "
            "mibeacon.sender); empty = any device"),
        { "type", "Type", PT_TXTMOD_ENUM,
          { miio_key_type_chk, miio_keys_type_set_cb, miio_keys_type_tostr_cb },
          { &miio_key_type_vals, &miio_key_type_vals, &miio_key_type_vals },
          &miio_key_type_vals,
          "token: a device token (32 hex digits); cloud: a Mi cloud key (16 characters or 32 hex digits); "
          "roborock: a Roborock local key (16 characters; Device ID = the duid); "
          "bindkey: a MiBeacon bindkey (32 hex digits for v4/v5, 24 for v2/v3; Device ID = the MAC); "
          "ssecurity: a Mi account's cloud API key (base64; Device ID empty)",
          FLDFILL },
        UAT_FLD_CSTRING(miio_keys, key, "Key",
            "Device token (32 hex digits), cloud key, Roborock local key or MiBeacon bindkey"),
        UAT_FLD_CSTRING(miio_keys, comment, "Comment", "Free text, e.g. the device's name"),
        UAT_END_FIELDS
    };
    uat_t *keys_uat = uat_new("miIO keys",
        sizeof(miio_key_record_t),
        "miio_keys",
        TRUE,
        &miio_key_records,
        &miio_key_record_count,
        UAT_AFFECTS_DISSECTION,
        NULL,
        miio_key_record_copy,
        miio_key_record_update,
        miio_key_record_free,
        miio_keys_push,
        miio_keys_reset,
        miio_key_fields);

    register_init_routine(miio_keys_init);
    prefs_register_uat_preference(miio_module, "keys", "Device tokens and cloud keys",
        "Keys used to verify and decrypt miIO frames. A token is 32 hex digits "
        "(python-miio, Mi Home token extractors); a row with an empty device id "
        "is tried on every device.",
        keys_uat);

    prefs_register_filename_preference(miio_module, "key_file", "Key file",
        "A file of keys, read again whenever it changes: lines \"device_id token "
        "[comment]\" or \"token [comment]\" (a token alone is tried on every device), "
        "\"roborock [DUID] LOCAL_KEY\", \"bindkey [MAC] KEY\", \"model DEVICE_ID MODEL\"; "
        "'#' starts a comment. Also read whole: Xiaomi-cloud-tokens-extractor's output, "
        "Home Assistant's .storage/core.config_entries, python-miio's cloud device list, "
        "Roborock home data. Bad entries are reported; the good ones are used.",
        &miio_key_file_path, FALSE);
}
