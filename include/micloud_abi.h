/*
 * micloud_abi.h - the Mi cloud API part of the C ABI (included by
 * miio_dissector.h, whose ownership rules apply): HTTP bodies of
 * https://<cc>.api.io.mi.com/app/..., once TLS is decrypted.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MICLOUD_ABI_H
#define MICLOUD_ABI_H

#define MICLOUD_MAX_PARAMS 16
#define MICLOUD_MAX_HARVEST 32
#define MICLOUD_NAME_CAP 32
#define MICLOUD_TEXT_CAP 160

typedef enum micloud_kind {
    MICLOUD_OTHER = 0,    /* not this protocol's: hand the body to its usual dissector */
    MICLOUD_REQUEST = 1,
    MICLOUD_RESPONSE = 2,
    MICLOUD_LOGIN = 3     /* a login reply (&&&START&&& + JSON) */
} micloud_kind;

typedef enum micloud_mode {
    MICLOUD_MODE_NONE = 0,
    MICLOUD_MODE_RC4 = 1,  /* values RC4-encrypted, rc4_hash__ */
    MICLOUD_MODE_HMAC = 2, /* values in clear, HMAC-SHA256 signature */
    MICLOUD_MODE_CLEAR = 3 /* a JSON body in clear (the Xiaomi Home integration's OAuth API) */
} micloud_mode;

/* Where a MIoT call's entries are (their spans are into that JSON text). */
typedef enum micloud_miot_text {
    MICLOUD_MIOT_NONE = 0,
    MICLOUD_MIOT_DATA = 1,     /* the request's decrypted `data` param */
    MICLOUD_MIOT_BODY = 2,     /* the request body, from miot_text_offset */
    MICLOUD_MIOT_RESPONSE = 3  /* the response's JSON, where it is shown */
} micloud_miot_text;

typedef enum micloud_check {
    MICLOUD_CHECK_NOT_CHECKED = 0,
    MICLOUD_CHECK_GOOD = 1,
    MICLOUD_CHECK_BAD = 2
} micloud_check;

typedef enum micloud_key_source {
    MICLOUD_KEY_NONE = 0,
    MICLOUD_KEY_TABLE_ROW = 1,     /* key_ref: row of miio_keys */
    MICLOUD_KEY_LOGIN_REPLY = 2,   /* key_ref: frame of the login reply */
    MICLOUD_KEY_REQUEST_FIELD = 3  /* key_ref: frame of a request that sent it in clear */
} micloud_key_source;

typedef enum micloud_direction {
    MICLOUD_DIRECTION_UNKNOWN = 0,
    MICLOUD_DIRECTION_REQUEST = 1,
    MICLOUD_DIRECTION_RESPONSE = 2
} micloud_direction;

/* How a reply's body read (micloud_info.reply_status). */
typedef enum micloud_reply_status {
    MICLOUD_REPLY_NONE = 0,              /* not a reply */
    MICLOUD_REPLY_CLEAR = 1,             /* JSON in clear: response_* are into the body */
    MICLOUD_REPLY_JSON = 2,              /* base64 RC4, decrypted to JSON */
    MICLOUD_REPLY_INFLATED = 3,          /* RC4 of a compressed stream, inflated to JSON
                                            (inflated_length bytes: micloud_inflated_copy) */
    MICLOUD_REPLY_NOT_JSON = 4,          /* decrypted with its request's key: neither JSON nor
                                            a compressed stream */
    MICLOUD_REPLY_TOO_LARGE = 5,         /* a stream that inflates past the cap (not kept) */
    MICLOUD_REPLY_BROKEN = 6,            /* a stream that does not inflate (cut, corrupted) */
    MICLOUD_REPLY_INFLATED_NOT_JSON = 7, /* inflated (micloud_inflated_copy), not JSON */
    MICLOUD_REPLY_NOT_BASE64 = 8         /* neither base64 nor JSON: with no key, encrypted or
                                            not is not known */
} micloud_reply_status;

typedef struct micloud_context {
    uint32_t frame_number;
    micloud_direction direction; /* what HTTP says the body is */
    uint8_t visited;
    uint32_t connection; /* the HTTP connection: responses pair with its requests in order */
    int64_t time_sec;
    int32_t time_nsec;
} micloud_context;

typedef struct micloud_param {
    char name[MICLOUD_NAME_CAP];
    uint32_t offset; /* the value as sent, in the body */
    uint32_t length;
    uint8_t decrypted;
    uint32_t plain_offset; /* the decrypted value, in the plaintext buffer */
    uint32_t plain_length;
} micloud_param;

typedef struct micloud_harvest {
    char did[48];
    uint8_t has_token;
    uint8_t token[16];
    char model[64];
    char localip[48];
    uint8_t has_mac;
    uint8_t mac[6];
    uint8_t bindkey_len; /* 0, 12 or 16 */
    uint8_t bindkey[16];
} micloud_harvest;

typedef struct micloud_info {
    micloud_kind kind;
    micloud_mode mode;
    char path[MICLOUD_TEXT_CAP];  /* "" when not known */
    char nonce[64];
    uint32_t param_count;
    micloud_param params[MICLOUD_MAX_PARAMS];
    micloud_check rc4_hash;
    micloud_check signature;
    micloud_key_source key_source;
    uint32_t key_ref;
    uint32_t keys_tried;
    uint8_t has_response;         /* the response's JSON (or login JSON), when it is in
                                     the plaintext buffer (CLEAR: in the body) */
    uint32_t response_offset;     /* in the plaintext buffer (CLEAR: in the body) */
    uint32_t response_length;
    uint32_t request_in;
    uint32_t response_in;
    uint8_t has_time;
    int64_t time_ns;
    uint32_t harvest_count;
    micloud_harvest harvest[MICLOUD_MAX_HARVEST];
    char summary[MICLOUD_TEXT_CAP];
    micloud_reply_status reply_status;
    uint8_t has_decrypted;        /* a reply's RC4 plaintext, in the plaintext buffer (for
                                     JSON replies the same bytes as the response) */
    uint32_t decrypted_offset;
    uint32_t decrypted_length;
    char compression[8];          /* the stream's format: "gzip", "zlib"; "" */
    uint32_t inflated_length;     /* INFLATED, INFLATED_NOT_JSON: micloud_inflated_copy */
    char content_encoding[32];    /* the reply's MIOT-CONTENT-ENCODING header (HTTP/1.x); "" */
    miio_miot_frame miot;         /* a MIoT call's entries (/miotspec/prop/get, prop/set,
                                     action): miio_miot_copy, each named by its device */
    micloud_miot_text miot_text;
    uint32_t miot_text_offset;
} micloud_info;

/*
 * Dissects one HTTP body. head: the start of the message that holds it (the
 * request line, for the path; may be empty). Decrypted values and the
 * decrypted response go to plaintext (plaintext_cap bytes: the body's length
 * is enough).
 */
miio_status micloud_dissect(const uint8_t *head, size_t head_len, const uint8_t *body,
                            size_t body_len, const micloud_context *ctx, uint8_t *plaintext,
                            size_t plaintext_cap, micloud_info *info);

/* A Xiaomi Home cloud MQTT push (device/<did>/up/properties_changed/...,
 * .../event_occured/...): plain JSON whose MIoT entries are named. */
typedef struct micloud_push_info {
    uint8_t is_push;              /* 0: not such a push (leave it to other dissectors) */
    char did[48];                 /* the device the topic names */
    miio_miot_method method;      /* PROPERTIES_CHANGED or EVENT_OCCURED */
    miio_miot_frame miot;         /* the payload's entries: miio_miot_copy */
    char summary[MICLOUD_TEXT_CAP];
} micloud_push_info;

/*
 * Dissects an MQTT payload published on topic (NUL-terminated); ctx's
 * frame_number and visited are used.
 */
miio_status micloud_mqtt_dissect(const char *topic, const uint8_t *payload, size_t payload_len,
                                 const micloud_context *ctx, micloud_push_info *info);

/*
 * Copies the text the last micloud_dissect inflated (info.inflated_length
 * bytes) into dest.
 */
miio_status micloud_inflated_copy(uint8_t *dest, size_t cap, size_t *copied);

#endif /* MICLOUD_ABI_H */
