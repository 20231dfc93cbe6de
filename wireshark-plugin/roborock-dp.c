/*
 * roborock-dp.c - the data points of a Roborock push (or A01 values), one
 * subtree each, labelled "state (121) = 8 (charging)": id, name, value and
 * the value's name, as the Rust core read and named them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <epan/packet.h>
#include <epan/strutil.h>

#include "roborock-fields.h"
#include "text-item.h"

static int hf_roborock_dp_id = -1;
static int hf_roborock_dp_name = -1;
static int hf_roborock_dp_value = -1;
static int hf_roborock_dp_value_description = -1;
static gint ett_roborock_dp = -1;

/* Values longer than this are cut in the label (the field keeps them whole). */
#define LABEL_VALUE_BYTES 64

void
roborock_dp_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_roborock_dp_id, { "Data point id", "roborock.dp.id", FT_UINT32, BASE_DEC, NULL, 0x0,
            "The dps key of a pushed data point (or A01 value)", HFILL } },
        { &hf_roborock_dp_name, { "Data point name", "roborock.dp.name", FT_STRING, BASE_NONE, NULL, 0x0,
            "The id's name in python-roborock 7.13 (A01: per model when its models differ)", HFILL } },
        { &hf_roborock_dp_value, { "Data point value", "roborock.dp.value", FT_STRING, BASE_NONE, NULL,
            0x0, "The value's JSON text, as sent", HFILL } },
        { &hf_roborock_dp_value_description, { "Data point value name", "roborock.dp.value.description",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "The value's name (state, error code, charge status) in python-roborock 7.13", HFILL } },
    };
    static gint *ett[] = { &ett_roborock_dp };

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}

roborock_dp_list
roborock_dp_fetch(packet_info *pinfo, const roborock_frame_info *info)
{
    roborock_dp_list list = { NULL, 0 };
    size_t count = 0;

    if (info->payload_kind != ROBOROCK_PAYLOAD_DATA_POINTS
        || roborock_data_points_copy(NULL, 0, &count) != MIIO_OK || count == 0)
        return list;
    list.points = wmem_alloc_array(pinfo->pool, roborock_data_point, count);
    if (roborock_data_points_copy(list.points, count, &list.count) != MIIO_OK)
        list.count = 0;
    if (list.count > count)
        list.count = count;
    return list;
}

/* The value for the label: its first bytes, cut at a character, escaped. */
static const char *
label_value(packet_info *pinfo, tvbuff_t *tvb, miio_span value)
{
    unsigned len = value.length;
    const uint8_t *text = tvb_get_ptr(tvb, (int)value.offset, (int)value.length);

    if (len <= LABEL_VALUE_BYTES)
        return format_text(pinfo->pool, (const void *)text, len); /* 4.0: guchar, 4.4: char */
    len = LABEL_VALUE_BYTES;
    while (len > 0 && (text[len] & 0xC0) == 0x80)
        len--;
    return wmem_strdup_printf(pinfo->pool, "%s…", format_text(pinfo->pool, (const void *)text, len));
}

static void
add_one(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const roborock_data_point *p)
{
    const char *value = label_value(pinfo, tvb, p->value);
    wmem_strbuf_t *label = wmem_strbuf_new(pinfo->pool, "");
    unsigned start = p->key.offset ? p->key.offset - 1 : 0; /* the key's opening quote */
    proto_tree *sub;
    proto_item *ti;

    if (p->name[0])
        wmem_strbuf_append_printf(label, "%s (%u)", p->name, p->id);
    else if (p->id_is_number)
        wmem_strbuf_append_printf(label, "Data point %u", p->id);
    else
        wmem_strbuf_append_printf(label, "Data point \"%s\"",
                                  format_text(pinfo->pool, (const void *)tvb_get_ptr(tvb, (int)p->key.offset,
                                              (int)p->key.length), p->key.length));
    wmem_strbuf_append_printf(label, " = %s", value);
    if (p->description[0])
        wmem_strbuf_append_printf(label, " (%s)", p->description);
    sub = proto_tree_add_subtree(tree, tvb, (int)start, (int)(p->value.offset + p->value.length - start),
                                 ett_roborock_dp, NULL, wmem_strbuf_get_str(label));
    if (p->id_is_number)
        proto_tree_add_uint(sub, hf_roborock_dp_id, tvb, (int)p->key.offset, (int)p->key.length, p->id);
    if (p->name[0]) {
        ti = proto_tree_add_string(sub, hf_roborock_dp_name, tvb, (int)p->key.offset, (int)p->key.length,
                                   p->name);
        proto_item_set_generated(ti);
    }
    miio_add_utf8_text(sub, pinfo, hf_roborock_dp_value, tvb, p->value.offset, p->value.length);
    if (p->description[0]) {
        ti = proto_tree_add_string(sub, hf_roborock_dp_value_description, tvb, (int)p->value.offset,
                                   (int)p->value.length, p->description);
        proto_item_set_generated(ti);
    }
}

void
roborock_dp_tree(proto_tree *tree, packet_info *pinfo, tvbuff_t *plain_tvb, const roborock_dp_list *dps)
{
    if (!tree)
        return;
    for (size_t i = 0; i < dps->count; i++)
        add_one(tree, pinfo, plain_tvb, &dps->points[i]);
}
