/*
 * miio_dissector.h - the C ABI between the Rust core and the Wireshark shim.
 *
 * This header is the single contract: build.rs runs bindgen on it, so the
 * Rust implementation cannot drift from what the C shim calls.
 *
 * Ownership rules:
 *  - Rust never allocates memory that C frees, and C never frees Rust memory.
 *    Output buffers (plaintext, text) are owned by the caller, who passes
 *    their capacity; Rust writes at most that many bytes.
 *  - Every function returns a miio_status; MIIO_ERR_PANIC means the Rust side
 *    caught an internal fault and left its state usable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_DISSECTOR_H
#define MIIO_DISSECTOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Wire layout of the 32-byte header (all integers big-endian). */
#define MIIO_HEADER_LEN 32
#define MIIO_MAGIC 0x2131
#define MIIO_OFFSET_MAGIC 0
#define MIIO_OFFSET_LENGTH 2
#define MIIO_OFFSET_UNKNOWN 4
#define MIIO_OFFSET_DEVICE_ID 8
#define MIIO_OFFSET_STAMP 12
#define MIIO_OFFSET_CHECKSUM 16
#define MIIO_CHECKSUM_LEN 16
#define MIIO_TOKEN_LEN 16

/* Room for a one-line description (Info column) or an error message. */
#define MIIO_TEXT_CAP 256

typedef enum miio_status {
    MIIO_OK = 0,
    MIIO_ERR_NULL_ARG = 1,  /* a required pointer was NULL */
    MIIO_ERR_INVALID = 2,   /* input refused; see the message buffer */
    MIIO_ERR_PANIC = 3      /* internal fault caught at the boundary */
} miio_status;

/* What a frame is, from its header alone. */
typedef enum miio_frame_kind {
    MIIO_KIND_MALFORMED = 0,          /* not a usable miIO header */
    MIIO_KIND_HELLO_REQUEST = 1,      /* 2131 0020 + ff x 28 */
    MIIO_KIND_HELLO_REPLY = 2,        /* 32 bytes, bytes 16..31 all 00 or all ff */
    MIIO_KIND_HELLO_REPLY_TOKEN = 3,  /* 32 bytes, bytes 16..31 are the token */
    MIIO_KIND_DATA = 4                /* header + ciphertext */
} miio_frame_kind;

/* Why a header is malformed (MIIO_KIND_MALFORMED), or what is odd about it. */
typedef enum miio_length_status {
    MIIO_LENGTH_OK = 0,
    MIIO_LENGTH_SHORT_FRAME = 1,      /* fewer than 32 bytes on the wire */
    MIIO_LENGTH_BAD_MAGIC = 2,        /* first two bytes are not 0x2131 */
    MIIO_LENGTH_FIELD_TOO_SMALL = 3,  /* length field < 32 */
    MIIO_LENGTH_FIELD_TOO_LARGE = 4,  /* length field > bytes in the packet */
    MIIO_LENGTH_TRAILING_BYTES = 5,   /* packet has bytes after `length` */
    MIIO_LENGTH_TRUNCATED = 6         /* capture cut short (snaplen) */
} miio_length_status;

/* Wireshark's checksum convention (values match proto_checksum_enum_e). */
typedef enum miio_checksum_status {
    MIIO_CHECKSUM_BAD = 0,
    MIIO_CHECKSUM_GOOD = 1,
    MIIO_CHECKSUM_UNVERIFIED = 2,
    MIIO_CHECKSUM_NOT_PRESENT = 3
} miio_checksum_status;

typedef enum miio_decrypt_status {
    MIIO_DECRYPT_NOT_APPLICABLE = 0,  /* hello frames, malformed frames */
    MIIO_DECRYPT_NO_KEY = 1,          /* no configured key matches the device */
    MIIO_DECRYPT_OK = 2,
    MIIO_DECRYPT_BAD_LENGTH = 3,      /* ciphertext not a multiple of 16 */
    MIIO_DECRYPT_BAD_PADDING = 4,     /* wrong key or corrupted ciphertext */
    MIIO_DECRYPT_TRUNCATED = 5        /* ciphertext not all captured */
} miio_decrypt_status;

/* The parsed header, in host byte order. */
typedef struct miio_header {
    uint16_t magic;
    uint16_t length;
    uint32_t unknown;
    uint32_t device_id;
    uint32_t stamp;
    uint8_t checksum[MIIO_CHECKSUM_LEN];
} miio_header;

/* Everything the shim needs to draw one frame. */
typedef struct miio_frame_info {
    miio_header header;
    miio_frame_kind kind;
    miio_length_status length_status;
    miio_checksum_status checksum_status;
    miio_decrypt_status decrypt_status;
    /* Bytes of the frame that belong to it: min(length field, bytes given). */
    size_t frame_len;
    /* Ciphertext offset is MIIO_HEADER_LEN; its length on the wire: */
    size_t ciphertext_len;
    /* Plaintext written to the caller's buffer, trailing NULs stripped. */
    size_t plaintext_len;
    /* 1-based row of the key table that decrypted/verified this frame; 0 = none. */
    uint32_t key_row;
    /* Number of keys that were tried for this frame. */
    uint32_t keys_tried;
} miio_frame_info;

/*
 * Dissect one frame: parse the header, verify the checksum and decrypt with a
 * key from the key store.
 *   frame, frame_len        the bytes captured (may be fewer than reported_len)
 *   reported_len            the packet's length on the wire
 *   plaintext, plaintext_cap  caller-owned output buffer; needs at least
 *                           frame_len - 32 bytes to hold a full plaintext
 *   info                    filled on MIIO_OK
 * A malformed frame is not an error: it returns MIIO_OK with kind
 * MIIO_KIND_MALFORMED and the reason in length_status.
 */
miio_status miio_dissect_frame(const uint8_t *frame, size_t frame_len, size_t reported_len,
                               uint8_t *plaintext, size_t plaintext_cap,
                               miio_frame_info *info);

/*
 * A one-line summary of a decrypted JSON payload for the Info column, e.g.
 * "get_status id=12" or "reply id=12 ok" or "reply id=12 error -32601 Method
 * not found.". Writes a NUL-terminated string of at most text_cap bytes.
 * Returns MIIO_ERR_INVALID (and an empty string) when the payload is not a
 * JSON object this function understands.
 */
miio_status miio_describe_payload(const uint8_t *plaintext, size_t plaintext_len,
                                  char *text, size_t text_cap);

/* One row of the "miio_keys" preference table, as the user typed it. */
typedef struct miio_key_row {
    const char *device_id; /* 8 hex digits, optional 0x; empty or NULL = any device */
    const char *key_type;  /* "token" or "cloud" */
    const char *key;       /* token: 32 hex digits; cloud: 16 ASCII chars or 32 hex */
    const char *comment;   /* free text, may be NULL */
} miio_key_row;

/*
 * Check one row. On MIIO_ERR_INVALID a NUL-terminated message naming the
 * field and the problem is written to message (at most message_cap bytes).
 */
miio_status miio_key_row_check(const miio_key_row *row, char *message, size_t message_cap);

/*
 * Replace the whole key store with these rows (atomically). Rows that fail
 * miio_key_row_check are skipped; *rows_loaded receives how many were kept.
 */
miio_status miio_key_store_replace(const miio_key_row *rows, size_t row_count,
                                   size_t *rows_loaded);

/*
 * Implemented by the C shim (wireshark-plugin/), called by the plugin entry
 * points that the Rust cdylib exports (a cdylib exports only Rust symbols).
 */

/* Registers the protocol, fields, preferences and handoff with epan. */
void miio_shim_plugin_register(void);

/* The plugin type for Wireshark 4.4+'s plugin_describe (a dissector). */
uint32_t miio_shim_plugin_describe(void);

#ifdef __cplusplus
}
#endif

#endif /* MIIO_DISSECTOR_H */
