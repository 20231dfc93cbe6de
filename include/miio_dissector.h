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
    MIIO_KIND_HELLO_REPLY_TOKEN = 3,  /* 32 bytes answering a hello, bytes 16..31 the token */
    MIIO_KIND_DATA = 4,               /* header + ciphertext */
    MIIO_KIND_CLOUD_HELLO = 5,        /* device to cloud: 2131 0020 ffffffff ffffffff 00000000 + 00 x 16 */
    MIIO_KIND_TIME_SYNC = 6,          /* cloud's answer to a cloud hello: stamp = server Unix time */
    MIIO_KIND_KEEPALIVE = 7,          /* other 32-byte frames on a cloud connection */
    MIIO_KIND_PING = 8,               /* 32 bytes, no payload, bytes 16..31 a checksum (not a hello
                                         reply): MD5(header[0..16] || token) when verified */
    MIIO_KIND_HA_PROBE = 9,           /* the Xiaomi Home integration's probe: bytes 4..15 ff,
                                         16..19 "MDID", 20..27 its instance id (u64 BE), 28..31 0 */
    MIIO_KIND_HA_PROBE_REPLY = 10     /* a device's answer to it: 16..19 "MSUB", 20..23 a timestamp
                                         (u32 BE), 24..26 "PUB", 27 a type, 28 0xfe = wildcard
                                         subscriptions; never a token */
} miio_frame_kind;

/* Which way a frame travels, from the ports (the device listens on 54321;
 * the cloud on 8053). */
typedef enum miio_direction {
    MIIO_DIRECTION_UNKNOWN = 0,
    MIIO_DIRECTION_TO_DEVICE = 1,     /* local: to port 54321 */
    MIIO_DIRECTION_FROM_DEVICE = 2    /* local: from port 54321 */
} miio_direction;

/* Where a frame travels; decides what a 32-byte frame is. */
typedef enum miio_transport {
    MIIO_TRANSPORT_LOCAL = 0,         /* app <-> device, UDP 54321 */
    MIIO_TRANSPORT_CLOUD = 1          /* device <-> Mi cloud: UDP 8053, TCP */
} miio_transport;

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

/* Where a frame sits in the capture, for state kept across frames. */
typedef struct miio_frame_context {
    uint32_t frame_number;
    uint8_t visited;          /* nonzero on the second and later passes over this frame */
    uint32_t conversation;    /* conversation index (addresses and ports) */
    uint32_t pdu_index;       /* 0 for the first miIO frame in this packet, 1 for the next, ... */
    miio_transport transport; /* a hint: a cloud hello also marks its conversation as cloud */
    int64_t time_sec;         /* absolute time of the frame */
    int32_t time_nsec;
    miio_direction direction;
    uint32_t client;          /* hash of the client's address and port (the side that is not
                                 the device), to pair a hello reply with its hello */
} miio_frame_context;

/* Where a key came from: the one that verified/decrypted a frame, or one a frame taught. */
typedef enum miio_key_origin {
    MIIO_KEY_ORIGIN_NONE = 0,
    MIIO_KEY_ORIGIN_TABLE_ROW = 1,    /* ref = row of the miio_keys table */
    MIIO_KEY_ORIGIN_FILE_LINE = 2,    /* ref = line of the key file */
    MIIO_KEY_ORIGIN_HELLO_REPLY = 3,  /* ref = frame of the hello reply that carried the token */
    MIIO_KEY_ORIGIN_INFO_REPLY = 4,   /* ref = frame of the miIO.info reply that carried it */
    MIIO_KEY_ORIGIN_OTC_INFO = 5,     /* ref = frame of the _otc.info request (to the cloud) that carried it */
    MIIO_KEY_ORIGIN_MICLOUD = 6       /* ref = frame of the Mi cloud API device list reply that carried it */
} miio_key_origin;

typedef enum miio_payload_kind {
    MIIO_PAYLOAD_NONE = 0,        /* nothing decrypted */
    MIIO_PAYLOAD_NOT_JSON = 1,    /* decrypted, but not a JSON object (even after repairs) */
    MIIO_PAYLOAD_REQUEST = 2,     /* has "method" */
    MIIO_PAYLOAD_REPLY = 3,       /* has "result" */
    MIIO_PAYLOAD_ERROR_REPLY = 4, /* has "error" */
    MIIO_PAYLOAD_OTHER_JSON = 5
} miio_payload_kind;

/* A value's place in the plaintext; absent when present == 0. */
typedef struct miio_span {
    uint8_t present;
    uint32_t offset;
    uint32_t length;
} miio_span;

#define MIIO_REPAIR_CAP 64

/*
 * The JSON fields of a decrypted payload, as spans into the plaintext - or,
 * when the plaintext needed a repair to parse, into the repaired copy.
 */
typedef struct miio_payload {
    miio_payload_kind kind;
    uint8_t utf8;               /* the plaintext is valid UTF-8 */
    miio_span repaired;         /* the repaired JSON, in the plaintext buffer; absent if none */
    char repair[MIIO_REPAIR_CAP]; /* what was repaired, e.g. "',,' -> ','"; "" if none */
    uint8_t id_is_integer;      /* id holds the value of id_span */
    int64_t id;
    miio_span id_span;
    miio_span method;           /* inside the quotes */
    miio_span params;
    miio_span result;
    miio_span error;
    int64_t error_code;         /* valid when error_code_span.present */
    miio_span error_code_span;
    miio_span error_message;    /* inside the quotes */
    char summary[MIIO_TEXT_CAP];/* Info column text, NUL-terminated; "" when not JSON */
} miio_payload;

/* What the capture as a whole says about this frame. Frame numbers: 0 = none. */
typedef struct miio_session {
    miio_key_origin key_origin; /* the key used for this frame */
    uint32_t key_origin_ref;
    /* For a hello reply, key_origin is the key its bytes 16..31 are (the
     * token it taught, or a configured key equal to it). A token from a
     * hello reply is a candidate until a checksum confirms it: */
    uint32_t key_confirmed_in;  /* the frame whose checksum verified with it; 0 = not yet */
    uint32_t key_dropped_in;    /* a frame of the device that verified with another key while
                                   this candidate verified none: not the token; 0 = not dropped */
    miio_key_origin taught;     /* a key this frame revealed (hello, miIO.info, _otc.info) */
    uint8_t echo;               /* a keep-alive or ping that repeats the previous one unchanged */
    uint32_t candidate_dropped; /* the hello reply whose token candidate this frame dropped */
    uint32_t request_in;
    uint32_t response_in;
    uint8_t has_response_time;
    int64_t response_time_ns;
    uint32_t duplicate_of;      /* a reply repeating the earlier reply in this frame */
    uint32_t retry_of;          /* a request retrying the unanswered request in this frame */
    uint8_t has_stamp_delta;
    int64_t stamp_delta;        /* stamp minus the device's previous frame's stamp */
} miio_session;

/* ----------------------------------------------------------------------
 * MIoT inside miIO (get_properties, set_properties, action,
 * properties_changed, event_occured): entries named from the device's spec.
 * ---------------------------------------------------------------------- */
#define MIIO_MODEL_CAP 64
#define MIIO_MIOT_NAME_CAP 64
#define MIIO_MIOT_DESCRIPTION_CAP 96
#define MIIO_MIOT_UNIT_CAP 24

/* Where the device's model came from. */
typedef enum miio_model_source {
    MIIO_MODEL_NONE = 0,              /* the model is not known */
    MIIO_MODEL_INFO_REPLY = 1,        /* ref = frame of the miIO.info reply that stated it */
    MIIO_MODEL_OTC_INFO = 2,          /* ref = frame of the _otc.info request (to the cloud) */
    MIIO_MODEL_FILE_LINE = 3,         /* ref = key file line "model DEVICE_ID MODEL" */
    MIIO_MODEL_TABLE_ROW = 4,         /* ref = miio_keys row whose comment has "model=MODEL" */
    MIIO_MODEL_MICLOUD = 5,           /* ref = frame of the Mi cloud API device list reply */
    MIIO_MODEL_MDNS = 6               /* ref = frame of the device's mDNS announcement */
} miio_model_source;

/* What the spec of a frame's device is. */
typedef enum miio_spec_status {
    MIIO_SPEC_NOT_MIOT = 0,           /* the frame has no MIoT entries */
    MIIO_SPEC_NO_MODEL = 1,           /* the device's model is not known */
    MIIO_SPEC_NO_FOLDER = 2,          /* no spec folder (set or python-miio's cache) */
    MIIO_SPEC_MISSING = 3,            /* no spec file for the model */
    MIIO_SPEC_BAD = 4,                /* a spec file that cannot be used (invalid, too large) */
    MIIO_SPEC_LOADED = 5
} miio_spec_status;

/* The MIoT method of a request, or of the request a reply answers. */
typedef enum miio_miot_method {
    MIIO_MIOT_METHOD_NONE = 0,
    MIIO_MIOT_METHOD_GET_PROPERTIES = 1,
    MIIO_MIOT_METHOD_SET_PROPERTIES = 2,
    MIIO_MIOT_METHOD_PROPERTIES_CHANGED = 3,
    MIIO_MIOT_METHOD_ACTION = 4,
    MIIO_MIOT_METHOD_EVENT_OCCURED = 5
} miio_miot_method;

typedef struct miio_miot_frame {
    miio_miot_method method;          /* NONE when the frame has no entries */
    uint8_t reply;                    /* the entries are a reply's */
    char model[MIIO_MODEL_CAP];       /* the device's model; "" = not known */
    miio_model_source model_source;
    uint32_t model_ref;
    miio_spec_status spec_status;
    char spec_note[MIIO_TEXT_CAP];    /* NO_MODEL to BAD: what is missing and where it was looked for */
    uint8_t spec_note_first;          /* the first frame of the capture with this note */
    uint32_t entry_count;             /* the entries: miio_miot_copy */
    uint32_t entries_cut;             /* entries after the last one copied (not shown) */
} miio_miot_frame;

typedef enum miio_miot_kind {
    MIIO_MIOT_PROPERTY = 0,
    MIIO_MIOT_ACTION = 1,
    MIIO_MIOT_EVENT = 2,
    MIIO_MIOT_ARGUMENT = 3            /* an action's in/out value or an event's argument (a
                                         property of the action's or event's service) */
} miio_miot_kind;

/* What does not fit the spec (bits of miio_miot_entry.problems). */
#define MIIO_MIOT_UNKNOWN_SERVICE 0x01
#define MIIO_MIOT_UNKNOWN_ID      0x02  /* no such property, action or event in the service */
#define MIIO_MIOT_OUT_OF_RANGE    0x04
#define MIIO_MIOT_NOT_IN_LIST     0x08  /* not one of the property's value-list values */
#define MIIO_MIOT_NOT_WRITABLE    0x10  /* set_properties of a property without "write" */
#define MIIO_MIOT_NOT_READABLE    0x20  /* get_properties of a property without "read" */
#define MIIO_MIOT_WRONG_FORMAT    0x40  /* a value the property's format cannot hold */
#define MIIO_MIOT_NOT_ASKED       0x80  /* a reply entry for no entry of its request */

/* One entry; spans are into the JSON the payload's spans point into. */
typedef struct miio_miot_entry {
    miio_miot_kind kind;
    miio_span span;
    uint8_t has_siid;                 /* an argument's siid is its action's or event's */
    int64_t siid;
    miio_span siid_span;              /* absent when taken from the request or the parent */
    uint8_t has_iid;                  /* piid, aiid or eiid (argument: piid) */
    int64_t iid;
    miio_span iid_span;               /* absent when taken from the request or the spec */
    miio_span value;                  /* the value's JSON text */
    uint8_t has_code;
    int64_t code;
    miio_span code_span;
    char code_name[MIIO_MIOT_DESCRIPTION_CAP]; /* "ok", "property not writable", ...; "" unknown */
    uint32_t problems;                /* MIIO_MIOT_* bits */
    char problem[MIIO_TEXT_CAP];      /* the first problem, in words */
    /* From the spec; "" when there is none or it does not say. */
    char service[MIIO_MIOT_NAME_CAP];
    char service_description[MIIO_MIOT_DESCRIPTION_CAP];
    char name[MIIO_MIOT_NAME_CAP];    /* property, action or event name */
    char description[MIIO_MIOT_DESCRIPTION_CAP];
    char full_name[2 * MIIO_MIOT_NAME_CAP]; /* "service.name", "name", or "siid/iid": how the
                                         Info column and the statistics name the entry */
    char format[16];                  /* property format: "uint8", "bool", ... */
    char unit[MIIO_MIOT_UNIT_CAP];
    char value_description[MIIO_MIOT_DESCRIPTION_CAP]; /* the value-list entry's description */
    char model[MIIO_MODEL_CAP];       /* the entry's own device's model when the entries name
                                         several devices (Mi cloud calls); "" otherwise */
} miio_miot_entry;

/*
 * Copies the MIoT entries of the frame the last miio_dissect_frame dissected
 * (info.miot.entry_count of them) into the caller's array.
 */
miio_status miio_miot_copy(miio_miot_entry *entries, size_t cap, size_t *copied);

/*
 * Uses the spec files in this folder ("" = python-miio's cache folder,
 * $XDG_CACHE_HOME/python-miio or ~/.cache/python-miio, when it exists):
 * <model>.json, or the file a model index (model-to-urn.json,
 * xiaomi_miot/instances.json) names. Files are read when first needed and
 * again when they change.
 */
miio_status miio_miot_spec_folder_use(const char *path);

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
    /* Number of keys that were tried for this frame. */
    uint32_t keys_tried;
    /* Keys for any device were not tried: none fitted the device's first
     * frames (tried again when the keys change). */
    uint8_t any_device_keys_skipped;
    miio_payload payload;
    miio_session session;
    miio_miot_frame miot;             /* the device's model; MIoT entries and their spec */
} miio_frame_info;

/*
 * Dissect one frame: parse the header, choose a key (configured, learned, or
 * tried by checksum), verify, decrypt, read the JSON, and link the frame to
 * the rest of the capture. On the first pass (ctx->visited == 0) this records
 * what the frame teaches; later passes read that back.
 *   frame, frame_len        the bytes captured (may be fewer than reported_len)
 *   reported_len            the packet's length on the wire
 *   ctx                     the frame's number, pass, conversation and time
 *   plaintext, plaintext_cap  caller-owned output buffer; frame_len - 32 bytes
 *                           hold the plaintext; 2 * (frame_len - 32) + 64 also
 *                           hold a repaired copy of invalid JSON
 *   info                    filled on MIIO_OK
 * A malformed frame is not an error: it returns MIIO_OK with kind
 * MIIO_KIND_MALFORMED and the reason in length_status.
 */
miio_status miio_dissect_frame(const uint8_t *frame, size_t frame_len, size_t reported_len,
                               const miio_frame_context *ctx,
                               uint8_t *plaintext, size_t plaintext_cap,
                               miio_frame_info *info);

/*
 * Strict test for the heuristic dissectors: magic, a header that only miIO
 * sends, and a length field equal to the packet (datagrams, stream == 0);
 * on a TCP segment (stream != 0) such a header, with a length of at least
 * the header, starting anywhere in it (a capture may start mid-frame).
 * *matches = 1 when it is miIO.
 */
miio_status miio_heuristic_match(const uint8_t *frame, size_t frame_len, size_t reported_len,
                                 uint8_t stream, uint8_t *matches);

/*
 * TCP streams (miIO to the cloud, Roborock local TCP), which a capture may
 * catch at any point: where the next frame starts.
 */
typedef enum miio_stream_protocol {
    MIIO_STREAM_MIIO = 0,
    MIIO_STREAM_ROBOROCK = 1        /* frames carry a u32 length prefix */
} miio_stream_protocol;

typedef struct miio_stream_context {
    miio_stream_protocol protocol;
    uint32_t conversation;          /* the TCP connection */
    uint32_t sender;                /* hash of the sending endpoint: the direction */
    uint32_t frame_number;
    uint8_t frame_before;           /* a frame of this direction came earlier in this packet */
    uint8_t visited;                /* not the first pass */
} miio_stream_context;

typedef enum miio_stream_step_kind {
    MIIO_STEP_NEED_MORE = 0,        /* too few bytes to tell: ask for the next segment */
    MIIO_STEP_FRAME = 1,            /* a frame of `length` bytes (prefix included) starts here */
    MIIO_STEP_MAP_BLOB = 2,         /* miIO: a "ROCKROBO_MAP__" upload: the rest of the data */
    MIIO_STEP_SKIP = 3              /* `length` bytes start no frame; what follows may */
} miio_stream_step_kind;

typedef struct miio_stream_step {
    miio_stream_step_kind kind;
    size_t length;
    /* SKIP: the bytes are the end of a frame that began before the capture
     * (no frame came before them in their direction, and they are no more
     * than a frame's worth); otherwise they are stray bytes. */
    uint8_t continuation;
} miio_stream_step;

/*
 * The next step through a stream, from its next `avail` bytes (as far as
 * captured). A frame is accepted only where one plausibly starts.
 */
miio_status miio_stream_next(const uint8_t *bytes, size_t avail, const miio_stream_context *ctx,
                             miio_stream_step *step);

/*
 * A segment of TCP connection `connection` on port 80, which Wireshark gives
 * HTTP: *claims = 1 when the connection is a miIO cloud link from here on
 * (a whole miIO header starts somewhere in the segment, and the connection
 * has not spoken HTTP before); 0: hand it to HTTP.
 */
miio_status miio_port80_claims(uint32_t connection, const uint8_t *segment, size_t segment_len,
                               uint8_t *claims);

/* A device an mDNS message announces (_miio._udp.local). */
typedef struct miio_mdns_identity {
    char instance[64];           /* "zhimi-airpurifier-m2_miio72610872" */
    char model[MIIO_MODEL_CAP];  /* "zhimi.airpurifier.m2" */
    uint32_t device_id;
    uint8_t has_mac;
    uint8_t mac[6];
} miio_mdns_identity;

/*
 * The devices an mDNS message (a UDP payload) announces, at most cap; on the
 * first pass (visited 0) their models become the capture's, for MIoT names.
 */
miio_status miio_mdns_identities(const uint8_t *msg, size_t msg_len, uint32_t frame_number,
                                 uint8_t visited, miio_mdns_identity *out, size_t cap,
                                 size_t *count);

/* Forgets what the previous capture taught (learned keys, links). Called at
 * the start of every (re)dissection; configured keys stay. */
miio_status miio_capture_reset(void);

/* One row of the "miio_keys" preference table, as the user typed it. */
typedef struct miio_key_row {
    const char *device_id; /* token/cloud: 8 hex digits, optional 0x; roborock: a duid;
                              bindkey: a MAC; empty or NULL = any device */
    const char *key_type;  /* "token", "cloud", "roborock" or "bindkey" */
    const char *key;       /* token: 32 hex digits; cloud: 16 ASCII chars or 32 hex */
    const char *comment;   /* free text, may be NULL */
} miio_key_row;

/*
 * Check one row. On MIIO_ERR_INVALID a NUL-terminated message naming the
 * field and the problem is written to message (at most message_cap bytes).
 */
miio_status miio_key_row_check(const miio_key_row *row, char *message, size_t message_cap);

/*
 * Replace the keys of the preference table with these rows (atomically). Rows
 * that fail miio_key_row_check are skipped; *rows_loaded receives how many
 * were kept. Row numbers shown to the user are positions in this array + 1.
 */
miio_status miio_key_store_replace(const miio_key_row *rows, size_t row_count,
                                   size_t *rows_loaded);

/*
 * Use the keys in a text file: one "device_id token [comment]" or
 * "token [comment]" a line; '#' starts a comment. The file is read again only
 * when its path, size or modification time changed; an empty path drops the
 * file's keys. When it was (re)read, *changed = 1 and report holds one line
 * per refused line ("key file line N: ..."), NUL-terminated, cut to
 * report_cap bytes. MIIO_ERR_INVALID when the file cannot be read (report
 * says why; the file's previous keys are dropped).
 */
miio_status miio_key_file_use(const char *path, char *report, size_t report_cap,
                              uint8_t *changed, size_t *keys_loaded);


/* ======================================================================
 * Roborock (local TCP 58867, discovery UDP 58866, MQTT payloads). Keys are
 * the "roborock" rows of the same miio_keys table (miio_key_store_replace).
 * ====================================================================== */

#define ROBOROCK_TCP_PORT 58867
#define ROBOROCK_UDP_PORT 58866
#define ROBOROCK_HEADER_LEN 17
#define ROBOROCK_DUID_CAP 48

/* What carries the frame. */
typedef enum roborock_carrier {
    ROBOROCK_CARRIER_TCP = 0,        /* local TCP: one frame without its u32 length prefix */
    ROBOROCK_CARRIER_MQTT = 1,       /* an MQTT payload */
    ROBOROCK_CARRIER_DISCOVERY = 2   /* a UDP 58866 broadcast */
} roborock_carrier;

typedef enum roborock_frame_error {
    ROBOROCK_FRAME_OK = 0,
    ROBOROCK_FRAME_SHORT = 1,        /* fewer bytes than a header */
    ROBOROCK_FRAME_BAD_VERSION = 2,  /* not 1.0, A01, B01 or L01 */
    ROBOROCK_FRAME_BAD_LENGTH = 3    /* the payload length field does not fit the frame */
} roborock_frame_error;

/* What follows the 17-byte header. */
typedef enum roborock_body {
    ROBOROCK_BODY_BARE = 0,          /* nothing */
    ROBOROCK_BODY_TRAILER = 1,       /* a u32: a CRC32 of the header, or a keep-alive/return code */
    ROBOROCK_BODY_PAYLOAD = 2        /* u16 length, payload, CRC32 */
} roborock_body;

typedef enum roborock_decrypt_status {
    ROBOROCK_DECRYPT_NOT_APPLICABLE = 0,
    ROBOROCK_DECRYPT_NO_KEY = 1,     /* no roborock row in miio_keys */
    ROBOROCK_DECRYPT_OK = 2,
    ROBOROCK_DECRYPT_BAD_LENGTH = 3, /* not whole AES blocks */
    ROBOROCK_DECRYPT_BAD_PADDING = 4,/* no key gives valid padding and text: wrong key or corrupted */
    ROBOROCK_DECRYPT_BAD_TAG = 5,    /* L01: no key's GCM tag verifies */
    ROBOROCK_DECRYPT_NO_NONCES = 6,  /* L01: the connection's hello is not in the capture */
    ROBOROCK_DECRYPT_GIVEN_UP = 7    /* no key fitted the scope's first frames: not tried again */
} roborock_decrypt_status;

typedef enum roborock_payload_kind {
    ROBOROCK_PAYLOAD_NONE = 0,       /* nothing decrypted, or not JSON */
    ROBOROCK_PAYLOAD_RPC_REQUEST = 1, /* V1 dps 101, or a B01 message with a method */
    ROBOROCK_PAYLOAD_RPC_REPLY = 2,
    ROBOROCK_PAYLOAD_RPC_ERROR = 3,  /* error{code,message} or "unknown_method" */
    ROBOROCK_PAYLOAD_DATA_POINTS = 4,/* pushed data points, A01 values and queries */
    ROBOROCK_PAYLOAD_OTHER = 5,      /* other JSON, or text such as the hello response's "ok" */
    ROBOROCK_PAYLOAD_MAP = 6,        /* a map response (protocol 301) */
    ROBOROCK_PAYLOAD_DISCOVERY = 7
} roborock_payload_kind;

typedef enum roborock_map_status {
    ROBOROCK_MAP_NONE = 0,
    ROBOROCK_MAP_INFLATED = 1,       /* map_len bytes: copy them with roborock_map_copy */
    ROBOROCK_MAP_NO_NONCE = 2,       /* the request (and its security nonce) is not in the capture */
    ROBOROCK_MAP_FAILED = 3,         /* did not decrypt or inflate */
    ROBOROCK_MAP_TOO_LARGE = 4       /* inflation stopped at the cap (a gzip bomb?) */
} roborock_map_status;

typedef struct roborock_frame_context {
    uint32_t frame_number;
    uint8_t visited;
    uint32_t conversation;           /* the TCP connection or UDP flow */
    uint32_t pdu_index;
    roborock_carrier carrier;
    int64_t time_sec;
    int32_t time_nsec;
    const char *duid;                /* MQTT: the topic's last level (NUL-terminated), else NULL */
    uint32_t device_address;         /* hash of the device's address (TCP: the 58867 side) */
} roborock_frame_context;

typedef struct roborock_frame_info {
    roborock_frame_error error;
    uint8_t broadcast;               /* a discovery broadcast: version, seq, protocol, length */
    char version[4];                 /* "1.0", "A01", "B01", "L01" */
    uint32_t seq;
    uint32_t random;
    uint32_t timestamp;
    uint16_t protocol;
    roborock_body body;
    uint32_t trailer;                /* ROBOROCK_BODY_TRAILER */
    uint32_t payload_offset;         /* in the frame */
    uint32_t payload_len;
    miio_checksum_status crc_status; /* payload frames, trailers that are CRCs */
    miio_checksum_status tag_status; /* L01: the GCM tag */
    roborock_decrypt_status decrypt_status;
    uint32_t key_row;                /* row of miio_keys; 0 = none */
    uint32_t keys_tried;
    size_t plaintext_len;
    uint8_t utf8;                    /* the plaintext is valid UTF-8 */
    roborock_payload_kind payload_kind;
    miio_span inner;                 /* the unescaped RPC text, in the plaintext buffer */
    uint8_t id_is_integer;
    int64_t id;
    miio_span id_span;               /* these spans are into `inner` */
    miio_span method;
    miio_span params;
    miio_span result;
    int64_t error_code;
    miio_span error_code_span;
    miio_span error_message;
    roborock_map_status map_status;
    uint16_t map_request_id;
    size_t map_len;
    char duid[ROBOROCK_DUID_CAP];    /* from the topic, discovery, or the address discovery tied */
    uint32_t request_in;
    uint32_t response_in;
    uint8_t has_response_time;
    int64_t response_time_ns;
    char summary[MIIO_TEXT_CAP];     /* Info column text */
} roborock_frame_info;

/*
 * Dissect one Roborock frame (or discovery datagram). plaintext_cap should
 * be 2 * frame_len + 64: the plaintext, then the unescaped RPC text.
 */
miio_status roborock_dissect_frame(const uint8_t *frame, size_t frame_len,
                                   const roborock_frame_context *ctx,
                                   uint8_t *plaintext, size_t plaintext_cap,
                                   roborock_frame_info *info);

/* Copies the map the last roborock_dissect_frame inflated (info.map_len bytes). */
miio_status roborock_map_copy(uint8_t *dest, size_t cap, size_t *copied);

/* MQTT payloads: a whole Roborock frame whose CRC verifies. */
miio_status roborock_heuristic_match(const uint8_t *frame, size_t frame_len, uint8_t *matches);

/*
 * Data points (payload_kind ROBOROCK_PAYLOAD_DATA_POINTS: pushes, A01 values
 * and queries), each named as python-roborock 7.13 names it: the id by the
 * frame's version, the value where one code table applies to every model.
 */
#define ROBOROCK_DP_NAME_CAP 96
#define ROBOROCK_DP_DESCRIPTION_CAP 64

typedef struct roborock_data_point {
    uint8_t id_is_number;            /* the key is a decimal number that fits a u32 */
    uint32_t id;
    miio_span key;                   /* the key's text inside its quotes, in the plaintext buffer */
    miio_span value;                 /* the value's JSON text as sent, in the plaintext buffer */
    char name[ROBOROCK_DP_NAME_CAP]; /* "" when the id has no name */
    char description[ROBOROCK_DP_DESCRIPTION_CAP]; /* the value's name; "" when none */
} roborock_data_point;

/*
 * Copies the data points the last roborock_dissect_frame read, in the order
 * sent: at most cap of them into dest (NULL when cap is 0). *count receives
 * how many it read, which may be more than cap.
 */
miio_status roborock_data_points_copy(roborock_data_point *dest, size_t cap, size_t *count);

#include "mibeacon_abi.h"
#include "micloud_abi.h"

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
