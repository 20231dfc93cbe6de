/*
 * miio-miot.h - MIoT inside miIO (miio-miot.c): the device's model and the
 * named entries of MIoT requests, replies and pushes; the Mi cloud's MIoT
 * calls draw theirs with it too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_MIOT_H
#define MIIO_MIOT_H

#include <epan/packet.h>

#include "miio-shim.h"

/* Registers the miio.model and miio.miot.* fields and expert infos. */
void miio_miot_register(int proto);

/* "Model: zhimi.airp.rmb1" and where it came from, when it is known. */
void miio_miot_add_model(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const miio_miot_frame *m);

/* One subtree per entry (spans into json_tvb), the spec note, the expert
 * infos; hands the entries to the tap when there is one (tap may be NULL). */
void miio_miot_add_entries(proto_tree *tree, packet_info *pinfo, tvbuff_t *json_tvb,
                           const miio_miot_frame *m, miio_tap_info *tap);

#endif /* MIIO_MIOT_H */
