/*
 * mibeacon_abi.h - the MiBeacon part of the C ABI (included by
 * miio_dissector.h, whose ownership rules apply): Xiaomi BLE advertisements,
 * service data 0xFE95 or manufacturer data 0x038F.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIBEACON_ABI_H
#define MIBEACON_ABI_H

#define MIBEACON_MAX_OBJECTS 32
#define MIBEACON_MAX_READINGS 48
#define MIBEACON_NAME_CAP 48
#define MIBEACON_VALUE_CAP 128
#define MIBEACON_TEXT_CAP 320
/* Longest frame decrypted: an extended advertisement's data. */
#define MIBEACON_PLAINTEXT_CAP 256

/* What an object's value is (the fields mibeacon.<key> are made from). */
typedef enum mibeacon_kind {
    MIBEACON_KIND_FLOAT = 0, /* FT_DOUBLE */
    MIBEACON_KIND_UINT = 1,  /* FT_UINT32 */
    MIBEACON_KIND_BOOL = 2,  /* FT_BOOLEAN */
    MIBEACON_KIND_TEXT = 3   /* FT_STRING */
} mibeacon_kind;

/* One quantity objects report: a display-filter field mibeacon.<key>. */
typedef struct mibeacon_quantity {
    char key[32];  /* "temperature" */
    char name[MIBEACON_NAME_CAP]; /* "Temperature" */
    char unit[16]; /* "°C", "" for none */
    mibeacon_kind kind;
} mibeacon_quantity;

/* The quantity table, one entry a call: MIIO_ERR_INVALID past the end. */
miio_status mibeacon_quantity_get(size_t index, mibeacon_quantity *out);

typedef enum mibeacon_mic_status {
    MIBEACON_MIC_CLEAR = 0,       /* not encrypted */
    MIBEACON_MIC_GOOD = 1,        /* v4/v5: the MIC verified */
    MIBEACON_MIC_BAD = 2,         /* the advertiser's bindkey does not decrypt */
    MIBEACON_MIC_UNCHECKED = 3,   /* v2/v3: decrypted; these frames carry no MIC */
    MIBEACON_MIC_NO_KEY = 4,      /* no bindkey for the advertiser nor for any device */
    MIBEACON_MIC_NO_MATCH = 5,    /* no bindkey for the advertiser; none for any device fits */
    MIBEACON_MIC_WRONG_KIND = 6,  /* the advertiser's bindkey has the other length */
    MIBEACON_MIC_NO_ADDRESS = 7   /* the nonce needs a MAC neither frame nor capture gives */
} mibeacon_mic_status;

typedef enum mibeacon_key_origin {
    MIBEACON_KEY_NONE = 0,
    MIBEACON_KEY_TABLE_ROW = 1, /* key_row: row of miio_keys */
    MIBEACON_KEY_FILE_LINE = 2, /* key_row: line of the key file */
    MIBEACON_KEY_LEARNED = 3    /* key_row: frame of the Mi cloud blt_get_beaconkey reply */
} mibeacon_key_origin;

typedef struct mibeacon_context {
    uint8_t has_address;
    uint8_t address[6]; /* the advertiser, display order (AA:BB:...) */
} mibeacon_context;

typedef struct mibeacon_object {
    uint16_t id;
    uint32_t offset; /* of the value: in the frame (clear) or the plaintext */
    uint32_t len;
    char name[MIBEACON_NAME_CAP];   /* "" when the id is not known */
    char value[MIBEACON_VALUE_CAP]; /* its readings as text, or "" */
} mibeacon_object;

typedef struct mibeacon_reading {
    uint32_t quantity; /* index into the quantity table */
    uint32_t object;   /* index into objects */
    double number;     /* FLOAT */
    uint32_t uint;     /* UINT; BOOL (0 or 1) */
    char text[MIBEACON_NAME_CAP]; /* TEXT */
} mibeacon_reading;

typedef struct mibeacon_info {
    uint8_t parsed;     /* 0: fewer bytes than the frame control announces */
    uint16_t control;
    uint8_t version;
    uint16_t product_id;
    char product_model[MIBEACON_NAME_CAP]; /* "" when the id is not known */
    char product_name[MIBEACON_NAME_CAP];
    uint8_t counter;
    uint8_t has_mac;     /* the frame carries the MAC (at offset 5, reversed) */
    uint8_t mac[6];      /* display order */
    uint8_t has_sender;  /* mac, else the capture's address: who sent it */
    uint8_t sender[6];
    uint8_t has_capability;
    uint8_t capability;
    uint8_t has_io_capability;
    uint8_t io_capability;
    uint32_t body_offset; /* objects (clear) or ciphertext (encrypted) */
    uint32_t body_len;
    uint8_t has_ext_counter;
    uint32_t ext_counter_offset; /* 3 bytes */
    uint32_t ext_counter;
    uint8_t has_mic;
    uint32_t mic_offset; /* 4 bytes */
    mibeacon_mic_status mic_status;
    mibeacon_key_origin key_origin;
    uint32_t key_row;
    uint32_t keys_tried;
    uint32_t plaintext_len; /* bytes written to plaintext (decrypted objects) */
    uint32_t object_count;  /* objects filled, at most MIBEACON_MAX_OBJECTS */
    uint8_t objects_cut;    /* more objects than fit */
    mibeacon_object objects[MIBEACON_MAX_OBJECTS];
    uint8_t has_rest;       /* trailing bytes forming no whole object */
    uint32_t rest_offset;
    uint32_t rest_len;
    uint32_t reading_count;
    mibeacon_reading readings[MIBEACON_MAX_READINGS];
    char summary[MIBEACON_TEXT_CAP];  /* Info column */
    char key_note[MIBEACON_TEXT_CAP]; /* the expert text of a key problem, "" when none */
} mibeacon_info;

/*
 * Dissects one MiBeacon frame (the service data after the UUID, or the
 * manufacturer data after the company id). Decrypted objects are written to
 * plaintext (plaintext_cap bytes; MIBEACON_PLAINTEXT_CAP is enough).
 */
miio_status mibeacon_dissect(const uint8_t *data, size_t len, const mibeacon_context *ctx,
                             uint8_t *plaintext, size_t plaintext_cap, mibeacon_info *info);

/* Packet layouts mibeacon_locate reads, as Wireshark holds the bytes. */
typedef enum mibeacon_layout {
    MIBEACON_LAYOUT_LE_LL_WITH_PHDR = 0, /* link type 256, pseudo-header included */
    MIBEACON_LAYOUT_HCI_H4 = 1,          /* 201 (direction kept apart), 187, btsnoop's H4: H4 type, HCI packet */
    MIBEACON_LAYOUT_HCI_EVENT = 2,       /* 254 with opcode 3: the HCI event */
    MIBEACON_LAYOUT_LE_LL = 3,           /* 251: the link layer packet, no pseudo-header */
    MIBEACON_LAYOUT_NORDIC_BLE = 4       /* 272 (nRF Sniffer, protocol 2 and 3) */
} mibeacon_layout;

typedef struct mibeacon_found {
    uint32_t offset; /* of the MiBeacon frame in the packet */
    uint32_t length;
    uint8_t has_address;
    uint8_t address[6]; /* the advertiser, display order */
    uint8_t manufacturer; /* manufacturer data 0x038F, not service data 0xFE95 */
} mibeacon_found;

/*
 * Finds the MiBeacon frames of a captured packet from its bytes (for
 * Wireshark 4.0, which hands service data to no dissector, and for GUI
 * passes that build no tree): at most cap of them into found; *count
 * receives how many there are.
 */
miio_status mibeacon_locate(const uint8_t *packet, size_t len, mibeacon_layout layout,
                            mibeacon_found *found, size_t cap, size_t *count);

#endif /* MIBEACON_ABI_H */
