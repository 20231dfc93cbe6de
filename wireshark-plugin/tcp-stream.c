/*
 * tcp-stream.c - frame by frame through TCP stream data; see tcp-stream.h.
 * Like tcp_dissect_pdus, but a frame is sized only where the core says a
 * plausible one starts, so a stream caught mid-frame resynchronises
 * instead of waiting for a length read from the middle of a frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>
#include <epan/proto_data.h>

#include "miio-shim.h"
#include "tcp-stream.h"

/* TCP may reassemble only data that is all there. */
static bool
can_ask_for_more(tvbuff_t *tvb, packet_info *pinfo)
{
    return pinfo->can_desegment
        && tvb_captured_length(tvb) == tvb_reported_length(tvb);
}

/* Per-packet proto data of the protocol: key 0 counts its frames (see
 * next_pdu_index), key MIIO_STREAM_DRAWN_KEY marks bytes drawn that were
 * not a frame. The Info column is cleared only before the first of them. */
static void
mark_drawn(packet_info *pinfo, int proto)
{
    p_add_proto_data(pinfo->pool, pinfo, proto, MIIO_STREAM_DRAWN_KEY, GUINT_TO_POINTER(1));
}

bool
miio_stream_skipped_before(packet_info *pinfo, int proto)
{
    return p_get_proto_data(pinfo->pool, pinfo, proto, MIIO_STREAM_DRAWN_KEY) != NULL;
}

static bool
drawn_before(packet_info *pinfo, int proto)
{
    return p_get_proto_data(pinfo->pool, pinfo, proto, 0) != NULL
        || miio_stream_skipped_before(pinfo, proto);
}

int
miio_stream_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
                    const miio_stream_handlers *h)
{
    int total = (int)tvb_captured_length(tvb);
    int offset = 0;
    miio_stream_context ctx;
    miio_stream_step step;

    ctx.protocol = h->protocol;
    ctx.conversation = miio_flow_key(pinfo);
    ctx.sender = miio_endpoint_hash(&pinfo->src, pinfo->srcport);
    ctx.frame_number = pinfo->num;
    ctx.visited = PINFO_FD_VISITED(pinfo) ? 1 : 0;
    if (!drawn_before(pinfo, proto))
        col_clear(pinfo->cinfo, COL_INFO);
    while (offset < total) {
        int avail = total - offset;

        /* Frames of this protocol already dissected in this packet. */
        ctx.frame_before = p_get_proto_data(pinfo->pool, pinfo, proto, 0) != NULL;
        if (miio_stream_next(tvb_get_ptr(tvb, offset, avail), (size_t)avail, &ctx, &step) != MIIO_OK)
            return total;
        switch (step.kind) {
        case MIIO_STEP_NEED_MORE:
            if (can_ask_for_more(tvb, pinfo)) {
                pinfo->desegment_offset = offset;
                pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
                return total;
            }
            h->skip(tvb, offset, avail, false, pinfo, tree);
            mark_drawn(pinfo, proto);
            return total;
        case MIIO_STEP_FRAME: {
            int length = (int)step.length;
            if (length > avail) {
                if (can_ask_for_more(tvb, pinfo)) {
                    pinfo->desegment_offset = offset;
                    pinfo->desegment_len = (uint32_t)(length - avail);
                    return total;
                }
                length = avail;  /* what there is: shown as truncated */
            }
            h->frame(tvb_new_subset_length(tvb, offset, length), pinfo, tree);
            offset += length;
            break;
        }
        case MIIO_STEP_MAP_BLOB:
            if (h->map_blob)
                h->map_blob(tvb, offset, pinfo, tree);
            else
                h->skip(tvb, offset, avail, false, pinfo, tree);
            mark_drawn(pinfo, proto);
            return total;
        case MIIO_STEP_SKIP:
        default:
            if (step.length == 0 || step.length > (size_t)avail)
                return total;  /* never from the core; no loop on a bug */
            h->skip(tvb, offset, (int)step.length, step.continuation != 0, pinfo, tree);
            mark_drawn(pinfo, proto);
            offset += (int)step.length;
            break;
        }
    }
    return total;
}
