/*
 * miio-fields.c - the fields, subtrees and expert infos of the miIO
 * dissector. Their filter names are a public contract: extend, never rename.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/unit_strings.h>

#include "miio-fields.h"

int proto_miio = -1;

int hf_miio_magic = -1;
int hf_miio_length = -1;
int hf_miio_unknown = -1;
int hf_miio_device_id = -1;
int hf_miio_stamp = -1;
int hf_miio_stamp_delta = -1;
int hf_miio_checksum = -1;
int hf_miio_checksum_status = -1;
int hf_miio_token = -1;
int hf_miio_token_confirmed_in = -1;
int hf_miio_token_dropped_in = -1;
int hf_miio_encrypted = -1;
int hf_miio_decrypted = -1;
int hf_miio_key_origin = -1;
int hf_miio_key_row = -1;
int hf_miio_key_file_line = -1;
int hf_miio_key_learned_in = -1;
int hf_miio_trailing = -1;
int hf_miio_decrypted_bytes = -1;
int hf_miio_repaired = -1;
int hf_miio_time_sync = -1;
int hf_miio_map_blob = -1;
int hf_miio_stream_data = -1;
int hf_miio_continuation = -1;
int hf_miio_id = -1;
int hf_miio_method = -1;
int hf_miio_params = -1;
int hf_miio_result = -1;
int hf_miio_error = -1;
int hf_miio_error_code = -1;
int hf_miio_error_message = -1;
int hf_miio_response_in = -1;
int hf_miio_request_in = -1;
int hf_miio_time = -1;
int hf_miio_duplicate_of = -1;
int hf_miio_retry_of = -1;

gint ett_miio = -1;
gint ett_miio_decrypted = -1;

expert_field ei_miio_malformed = EI_INIT;
expert_field ei_miio_trailing = EI_INIT;
expert_field ei_miio_truncated = EI_INIT;
expert_field ei_miio_checksum_bad = EI_INIT;
expert_field ei_miio_no_key = EI_INIT;
expert_field ei_miio_decrypt_failed = EI_INIT;
expert_field ei_miio_token_leaked = EI_INIT;
expert_field ei_miio_key_learned = EI_INIT;
expert_field ei_miio_key_dropped = EI_INIT;
expert_field ei_miio_duplicate = EI_INIT;
expert_field ei_miio_retry = EI_INIT;
expert_field ei_miio_internal = EI_INIT;
expert_field ei_miio_json_repaired = EI_INIT;
expert_field ei_miio_not_json = EI_INIT;
expert_field ei_miio_not_utf8 = EI_INIT;
expert_field ei_miio_map_blob = EI_INIT;
expert_field ei_miio_stream_data = EI_INIT;
expert_field ei_miio_continuation = EI_INIT;

dissector_handle_t json_handle;
int proto_json = -1;
/* A unit, not proto_item_append_text(): the label is then built only when
 * it is shown, not for every frame that tshark -T fields dissects. */
static const unit_name_string units_since_previous = { " s since the device's previous frame", NULL };

/* Preference: run the JSON dissector on every decrypted payload shown in a
 * tree (off: only when a display filter uses a json.* field). */
miio_bool miio_dissect_json = TRUE;
int miio_tap = -1;

void
miio_fields_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_miio_magic,
          { "Magic", "miio.magic", FT_UINT16, BASE_HEX, NULL, 0x0,
            "Frame magic, always 0x2131", HFILL } },
        { &hf_miio_length,
          { "Length", "miio.length", FT_UINT16, BASE_DEC, NULL, 0x0,
            "Length of the whole frame, header included", HFILL } },
        { &hf_miio_unknown,
          { "Unknown", "miio.unknown", FT_UINT32, BASE_HEX, NULL, 0x0,
            "0x00000000, or 0xffffffff in a hello request", HFILL } },
        { &hf_miio_device_id,
          { "Device ID", "miio.device_id", FT_UINT32, BASE_HEX, NULL, 0x0,
            "The device's id (did)", HFILL } },
        { &hf_miio_stamp,
          { "Stamp", "miio.stamp", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Device time stamp (seconds)", HFILL } },
        { &hf_miio_stamp_delta,
          { "Stamp delta", "miio.stamp.delta", FT_INT64, BASE_DEC | BASE_UNIT_STRING, &units_since_previous, 0x0,
            "Stamp minus the stamp of the device's previous frame", HFILL } },
        { &hf_miio_checksum,
          { "Checksum", "miio.checksum", FT_BYTES, BASE_NONE, NULL, 0x0,
            "MD5 of the frame with the token in place of the checksum", HFILL } },
        { &hf_miio_checksum_status,
          { "Checksum Status", "miio.checksum.status", FT_UINT8, BASE_NONE,
            VALS(proto_checksum_vals), 0x0, NULL, HFILL } },
        { &hf_miio_token,
          { "Token", "miio.token", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Device token sent in clear by an unprovisioned device's hello reply", HFILL } },
        { &hf_miio_token_confirmed_in,
          { "Token confirmed in", "miio.token.confirmed_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The frame whose checksum verified with this hello reply's token", HFILL } },
        { &hf_miio_token_dropped_in,
          { "Token dropped in", "miio.token.dropped_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "A frame of the device that verified with another key: these 16 bytes are not its token", HFILL } },
        { &hf_miio_encrypted,
          { "Encrypted payload", "miio.encrypted", FT_BYTES, BASE_NONE, NULL, 0x0,
            "AES-128-CBC ciphertext", HFILL } },
        { &hf_miio_decrypted,
          { "Decrypted payload", "miio.decrypted", FT_STRING, BASE_NONE, NULL, 0x0,
            "Plaintext (JSON), trailing NULs stripped", HFILL } },
        { &hf_miio_key_origin,
          { "Key", "miio.key", FT_STRING, BASE_NONE, NULL, 0x0,
            "Where the key that verified or decrypted this frame came from", HFILL } },
        { &hf_miio_key_row,
          { "Key row", "miio.key_row", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Row of the miio_keys table whose key verified or decrypted this frame", HFILL } },
        { &hf_miio_key_file_line,
          { "Key file line", "miio.key.file_line", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Line of the key file whose key verified or decrypted this frame", HFILL } },
        { &hf_miio_key_learned_in,
          { "Key learned in", "miio.key.learned_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The frame that revealed the key used for this frame", HFILL } },
        { &hf_miio_trailing,
          { "Trailing bytes", "miio.trailing", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes after the length given in the header", HFILL } },
        { &hf_miio_decrypted_bytes,
          { "Decrypted bytes", "miio.decrypted.bytes", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Plaintext that is not UTF-8 text, as bytes", HFILL } },
        { &hf_miio_repaired,
          { "Repaired JSON", "miio.decrypted.repaired", FT_STRING, BASE_NONE, NULL, 0x0,
            "The plaintext after a known repair of invalid JSON from device firmware", HFILL } },
        { &hf_miio_time_sync,
          { "Server time", "miio.time_sync", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0x0,
            "The cloud's time in a time-sync frame (its stamp)", HFILL } },
        { &hf_miio_map_blob,
          { "Roborock map upload", "miio.map_blob", FT_BYTES, BASE_NONE, NULL, 0x0,
            "A ROCKROBO_MAP__ upload on the cloud connection (not miIO)", HFILL } },
        { &hf_miio_stream_data,
          { "Other data", "miio.stream_data", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes on a cloud connection that do not start a miIO frame", HFILL } },
        { &hf_miio_continuation,
          { "Continuation of a frame that began before the capture", "miio.continuation", FT_BYTES,
            BASE_NONE, NULL, 0x0,
            "TCP: bytes before the first frame of their direction, no more than a frame's worth", HFILL } },
        { &hf_miio_id,
          { "Id", "miio.id", FT_INT64, BASE_DEC, NULL, 0x0,
            "JSON \"id\": pairs a request with its reply", HFILL } },
        { &hf_miio_method,
          { "Method", "miio.method", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"method\" of a request", HFILL } },
        { &hf_miio_params,
          { "Params", "miio.params", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"params\" of a request, as sent", HFILL } },
        { &hf_miio_result,
          { "Result", "miio.result", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"result\" of a reply, as sent", HFILL } },
        { &hf_miio_error,
          { "Error", "miio.error", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"error\" of a reply, as sent", HFILL } },
        { &hf_miio_error_code,
          { "Error code", "miio.error.code", FT_INT64, BASE_DEC, NULL, 0x0,
            "JSON \"error\".\"code\"", HFILL } },
        { &hf_miio_error_message,
          { "Error message", "miio.error.message", FT_STRING, BASE_NONE, NULL, 0x0,
            "JSON \"error\".\"message\"", HFILL } },
        { &hf_miio_response_in,
          { "Response In", "miio.response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "The reply to this request is in this frame", HFILL } },
        { &hf_miio_request_in,
          { "Request In", "miio.request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "This is a reply to the request in this frame", HFILL } },
        { &hf_miio_time,
          { "Time", "miio.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time between the request and this reply", HFILL } },
        { &hf_miio_duplicate_of,
          { "Duplicate of", "miio.duplicate_of", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_DUP_ACK), 0x0, "This reply repeats the reply in this frame", HFILL } },
        { &hf_miio_retry_of,
          { "Retry of", "miio.retry_of", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RETRANS_PREV), 0x0,
            "This request (id + 100) retries the unanswered request in this frame", HFILL } },
    };

    static gint *ett[] = {
        &ett_miio,
        &ett_miio_decrypted,
    };

    static ei_register_info ei[] = {
        { &ei_miio_malformed,
          { "miio.malformed", PI_MALFORMED, PI_ERROR, "Malformed miIO frame", EXPFILL } },
        { &ei_miio_trailing,
          { "miio.trailing.expert", PI_MALFORMED, PI_ERROR,
            "Packet is longer than the miIO length field says", EXPFILL } },
        { &ei_miio_truncated,
          { "miio.truncated", PI_MALFORMED, PI_NOTE,
            "Frame cut short by the capture's snapshot length", EXPFILL } },
        { &ei_miio_checksum_bad,
          { "miio.checksum.bad", PI_CHECKSUM, PI_WARN,
            "Checksum mismatch: wrong key or corrupted frame", EXPFILL } },
        { &ei_miio_no_key,
          { "miio.no_key", PI_UNDECODED, PI_NOTE, "No key for this device", EXPFILL } },
        { &ei_miio_decrypt_failed,
          { "miio.decryption_failed", PI_DECRYPTION, PI_WARN, "Decryption failed", EXPFILL } },
        { &ei_miio_token_leaked,
          { "miio.token.leaked", PI_SECURITY, PI_WARN,
            "Hello reply carries the device token in clear (unprovisioned device)", EXPFILL } },
        { &ei_miio_key_learned,
          { "miio.key.learned", PI_DECRYPTION, PI_NOTE, "Token learned from the traffic", EXPFILL } },
        { &ei_miio_key_dropped,
          { "miio.key.candidate_dropped", PI_DECRYPTION, PI_NOTE,
            "Token candidate from a hello reply dropped: another key verifies the device", EXPFILL } },
        { &ei_miio_duplicate,
          { "miio.duplicate", PI_SEQUENCE, PI_NOTE, "Duplicate reply", EXPFILL } },
        { &ei_miio_retry,
          { "miio.retry", PI_SEQUENCE, PI_NOTE, "Retried request", EXPFILL } },
        { &ei_miio_json_repaired,
          { "miio.json.repaired", PI_PROTOCOL, PI_NOTE, "Invalid JSON repaired", EXPFILL } },
        { &ei_miio_not_json,
          { "miio.json.invalid", PI_PROTOCOL, PI_WARN, "Decrypted payload is not JSON", EXPFILL } },
        { &ei_miio_not_utf8,
          { "miio.not_utf8", PI_PROTOCOL, PI_WARN,
            "Decrypted payload is not UTF-8 text (shown as bytes)", EXPFILL } },
        { &ei_miio_map_blob,
          { "miio.map_blob.expert", PI_UNDECODED, PI_NOTE,
            "Roborock map upload on the cloud connection (not miIO)", EXPFILL } },
        { &ei_miio_stream_data,
          { "miio.stream_data.expert", PI_UNDECODED, PI_NOTE,
            "Data on the cloud connection that is not a miIO frame", EXPFILL } },
        { &ei_miio_continuation,
          { "miio.continuation.expert", PI_SEQUENCE, PI_NOTE,
            "The capture starts inside a frame: the end of a frame that began before the capture",
            EXPFILL } },
        { &ei_miio_internal,
          { "miio.internal_error", PI_MALFORMED, PI_ERROR,
            "miIO dissector internal error (frame not dissected)", EXPFILL } },
    };

    expert_module_t *expert_miio;

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_miio = expert_register_protocol(proto);
    expert_register_field_array(expert_miio, ei, array_length(ei));
}
