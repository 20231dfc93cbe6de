/*
 * mibeacon-shim.h - the MiBeacon dissector's C files: packet-mibeacon.c
 * (fields, tree), mibeacon-hook.c (how Bluetooth hands it the frames and
 * who the advertiser is), mibeacon-stats.c (Statistics > MiBeacon).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIBEACON_SHIM_H
#define MIBEACON_SHIM_H

#include <epan/packet.h>

#include "miio_dissector.h"

/* packet-mibeacon.c */
void proto_register_mibeacon(void);
void proto_reg_handoff_mibeacon(void);
/* Draws one MiBeacon frame (tvb holds it whole) under tree. */
int mibeacon_dissect_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                           const mibeacon_context *ctx);

/* mibeacon-hook.c: registers the dissectors Bluetooth calls (service data
 * 0xFE95 from 4.2's UUID table or, before it, a postdissector; manufacturer
 * data 0x038F) and primes the advertiser-address fields. */
void mibeacon_hook_register(int proto);
void mibeacon_hook_handoff(void);

/* mibeacon-stats.c: the "mibeacon" tap and its statistics tree. */
typedef struct mibeacon_tap_info {
    const char *sender;  /* "A4:C1:38:02:83:F4" or NULL; packet-scoped */
    const char *product; /* "LYWSD03MMC" or "0x055B" */
    mibeacon_mic_status mic_status;
    const char **readings; /* quantity keys of the frame's readings */
    size_t reading_count;
} mibeacon_tap_info;
void mibeacon_stats_register(void);
int mibeacon_tap_id(void);

#endif /* MIBEACON_SHIM_H */
