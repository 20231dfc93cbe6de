/*
 * tcp-stream.h - walks a TCP segment (or reassembled data) frame by frame
 * for miIO to the cloud and Roborock local TCP, wherever the capture caught
 * the stream: the Rust core says where each frame starts; this asks TCP
 * for more data or hands each part to the protocol's drawing functions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MIIO_TCP_STREAM_H
#define MIIO_TCP_STREAM_H

#include <stdbool.h>

#include <epan/packet.h>

#include "miio_dissector.h"

typedef struct miio_stream_handlers {
    miio_stream_protocol protocol;
    /* A whole frame (as far as captured). */
    void (*frame)(tvbuff_t *frame, packet_info *pinfo, proto_tree *tree);
    /* Bytes that start no frame: `continuation` when they are the end of
     * a frame that began before the capture. */
    void (*skip)(tvbuff_t *tvb, int offset, int length, bool continuation, packet_info *pinfo,
                 proto_tree *tree);
    /* miIO: a map upload from `offset` to the end; NULL for Roborock. */
    void (*map_blob)(tvbuff_t *tvb, int offset, packet_info *pinfo, proto_tree *tree);
} miio_stream_handlers;

/* Per-packet proto data key marking stream bytes drawn that were not a frame. */
#define MIIO_STREAM_DRAWN_KEY 1

/* Bytes of `proto` that start no frame were drawn earlier in this packet:
 * a frame's Info text goes after theirs. */
bool miio_stream_skipped_before(packet_info *pinfo, int proto);

/* Dissects the stream data in `tvb`; returns the bytes consumed. */
/* `proto`: whose per-packet frame count tells "a frame came before". */
int miio_stream_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
                        const miio_stream_handlers *handlers);

#endif /* MIIO_TCP_STREAM_H */
