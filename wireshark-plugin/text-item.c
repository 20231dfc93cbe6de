/*
 * text-item.c - text the core has checked to be valid UTF-8, added as an
 * FT_STRING item with one copy, and its label built from the text's first
 * bytes only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>
#include <string.h>

#include <epan/packet.h>
#include <epan/strutil.h>
#include <wsutil/utf8_entities.h>

#include "text-item.h"
#include "ws-compat.h"

/*
 * Wireshark labels a string item by escaping the whole value and then
 * keeping the 240 bytes that fit: for a 4 KB reply, 4 KB of work to show
 * 240 bytes, in -V and in the GUI's details. The label is built here the
 * same way from the first 240 bytes of the text only (the caller checks the
 * text has as many before its first NUL, where the value stops). That is
 * enough: the escaping goes character by character and never writes fewer
 * bytes than it reads, so the first 240 bytes escape to the start of the
 * whole text's escape, long enough to fill the label. The steps follow
 * label_fill() and label_mark_truncated() of epan/proto.c, so the label is
 * byte for byte the one Wireshark would build; 4.2 changed the escaping
 * (ws_label_strcpy), the mark and where the cut is made.
 */
#if MIIO_WS_AT_LEAST(4, 2)
#define TRUNCATED_MARK " [" UTF8_HORIZONTAL_ELLIPSIS "]"
#define CUT_BEFORE ITEM_LABEL_LENGTH

/* The value part of the label, escaped and cut as label_fill() does. */
static void
fill_value(char *label, size_t pos, const char *text, size_t cut)
{
    char prefix[ITEM_LABEL_LENGTH + 1];

    memcpy(prefix, text, cut);
    prefix[cut] = '\0';
    ws_label_strcpy(label, ITEM_LABEL_LENGTH, pos, (const uint8_t *)prefix, 0);
}
#else
#define TRUNCATED_MARK " [truncated]"
#define CUT_BEFORE (ITEM_LABEL_LENGTH - 1)

static bool
printable_ascii(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
            return false;
    return true;
}

static void
fill_value(char *label, size_t pos, const char *text, size_t cut)
{
    char *shown;

    if (printable_ascii(text, cut)) {
        /* What format_text gives back unchanged: the usual JSON. */
        memcpy(label + pos, text, ITEM_LABEL_LENGTH - pos - 1);
        label[ITEM_LABEL_LENGTH - 1] = '\0';
        return;
    }
    shown = format_text(NULL, (const guchar *)text, cut);
    g_strlcpy(label + pos, shown, ITEM_LABEL_LENGTH - pos);
    wmem_free(NULL, shown);
}
#endif

static void
set_label_from_prefix(proto_item *ti, const char *text)
{
    static const char mark[] = TRUNCATED_MARK;
    const size_t mark_len = sizeof mark - 1;
    const header_field_info *hfinfo = PITEM_FINFO(ti)->hfinfo;
    char label[ITEM_LABEL_LENGTH];
    size_t cut = ITEM_LABEL_LENGTH, name_pos;

    name_pos = g_strlcpy(label, hfinfo->name, sizeof label);
    if (name_pos >= ITEM_LABEL_LENGTH - mark_len)
        return; /* a field name that long: leave the label to Wireshark */
    while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
        cut--;
    g_strlcpy(label + name_pos, ": ", sizeof label - name_pos);
    fill_value(label, name_pos + 2, text, cut);
    /* The text overflows the label: mark the name, drop the last character. */
    memmove(label + name_pos + mark_len, label + name_pos, ITEM_LABEL_LENGTH - name_pos - mark_len);
    memcpy(label + name_pos, mark, mark_len);
    *g_utf8_prev_char(label + CUT_BEFORE) = '\0';
    proto_item_set_text(ti, "%s", label);
}

proto_item *
miio_add_utf8_text(proto_tree *tree, packet_info *pinfo, int hf, tvbuff_t *tvb, unsigned offset,
                   unsigned length)
{
    char *text;
    proto_item *ti;

    /* proto_tree_add_item(ENC_UTF_8) would check the text again a byte at
     * a time; the value is the same (both stop at a NUL byte). */
    if (!proto_field_is_referenced(tree, hf))
        return proto_tree_add_item(tree, hf, tvb, (int)offset, (int)length, ENC_UTF_8);
    text = (char *)wmem_alloc(pinfo->pool, (size_t)length + 1);
    tvb_memcpy(tvb, text, (int)offset, length);
    text[length] = '\0';
    ti = proto_tree_add_string(tree, hf, tvb, (int)offset, (int)length, text);
    /* Only a shown item has a label, and a short text's is cheap. */
    if (ti && PTREE_DATA(ti)->visible && PITEM_FINFO(ti) && !proto_item_is_hidden(ti) &&
        strlen(text) >= ITEM_LABEL_LENGTH)
        set_label_from_prefix(ti, text);
    return ti;
}

proto_item *
miio_add_text(proto_tree *tree, packet_info *pinfo, int hf, tvbuff_t *tvb, unsigned offset,
              unsigned length, bool utf8)
{
    if (!utf8)
        return proto_tree_add_item(tree, hf, tvb, (int)offset, (int)length, ENC_UTF_8);
    return miio_add_utf8_text(tree, pinfo, hf, tvb, offset, length);
}
