/*
 * miio-miot.c - MIoT inside miIO: the device's model, and one subtree per
 * property, action or event of get_properties / set_properties / action /
 * properties_changed / event_occured, named from the device's spec. The
 * fields are a public contract (extend, never rename). Names, checks and
 * their wording come from the Rust core (miio_miot_copy); this file draws.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdbool.h>

#include <epan/expert.h>
#include <epan/packet.h>

#include "miio-miot.h"
#include "text-item.h"

static int hf_miio_model = -1;
static int hf_miio_model_learned_in = -1;
static int hf_miio_model_source = -1;
static int hf_miot_spec = -1;
static int hf_miot_entry = -1;
static int hf_miot_siid = -1;
static int hf_miot_piid = -1;
static int hf_miot_aiid = -1;
static int hf_miot_eiid = -1;
static int hf_miot_service = -1;
static int hf_miot_property = -1;
static int hf_miot_action = -1;
static int hf_miot_event = -1;
static int hf_miot_description = -1;
static int hf_miot_format = -1;
static int hf_miot_unit = -1;
static int hf_miot_value = -1;
static int hf_miot_value_description = -1;
static int hf_miot_code = -1;

static gint ett_miot_entry = -1;

static expert_field ei_miot_no_spec = EI_INIT;
static expert_field ei_miot_unknown = EI_INIT;
static expert_field ei_miot_out_of_range = EI_INIT;
static expert_field ei_miot_access = EI_INIT;
static expert_field ei_miot_bad_value = EI_INIT;
static expert_field ei_miot_not_asked = EI_INIT;
static expert_field ei_miot_code = EI_INIT;
static expert_field ei_miot_cut = EI_INIT;

static const value_string miot_kind_vals[] = {
    { MIIO_MIOT_PROPERTY, "Property" },
    { MIIO_MIOT_ACTION,   "Action" },
    { MIIO_MIOT_EVENT,    "Event" },
    { MIIO_MIOT_ARGUMENT, "Argument" },
    { 0, NULL }
};

void
miio_miot_add_model(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const miio_miot_frame *m)
{
    proto_item *ti;
    const char *source = NULL;

    if (!m->model[0])
        return;
    ti = proto_tree_add_string(tree, hf_miio_model, tvb, 0, 0, m->model);
    proto_item_set_generated(ti);
    switch (m->model_source) {
    case MIIO_MODEL_INFO_REPLY:
    case MIIO_MODEL_OTC_INFO:
    case MIIO_MODEL_MICLOUD:
    case MIIO_MODEL_MDNS:
        ti = proto_tree_add_uint(tree, hf_miio_model_learned_in, tvb, 0, 0, m->model_ref);
        proto_item_set_generated(ti);
        return;
    case MIIO_MODEL_FILE_LINE:
        source = wmem_strdup_printf(pinfo->pool, "key file line %u", m->model_ref);
        break;
    case MIIO_MODEL_TABLE_ROW:
        source = wmem_strdup_printf(pinfo->pool, "miio_keys row %u (comment)", m->model_ref);
        break;
    case MIIO_MODEL_NONE:
    default:
        return;
    }
    ti = proto_tree_add_string(tree, hf_miio_model_source, tvb, 0, 0, source);
    proto_item_set_generated(ti);
}

/* An id: at its bytes when the frame has them, else generated. */
static proto_item *
add_id(proto_tree *tree, int hf, tvbuff_t *tvb, int64_t value, miio_span span)
{
    proto_item *ti = proto_tree_add_int64(tree, hf, tvb, span.present ? span.offset : 0,
                                          span.present ? span.length : 0, value);
    if (!span.present)
        proto_item_set_generated(ti);
    return ti;
}

static void
add_name(proto_tree *tree, int hf, tvbuff_t *tvb, miio_span span, const char *name,
         const char *description)
{
    proto_item *ti;

    if (!name[0])
        return;
    ti = proto_tree_add_string(tree, hf, tvb, span.offset, span.length, name);
    proto_item_set_generated(ti);
    if (description[0] && strcmp(description, name) != 0)
        proto_item_append_text(ti, " (%s)", description);
}

static int
id_field(miio_miot_kind kind)
{
    switch (kind) {
    case MIIO_MIOT_ACTION: return hf_miot_aiid;
    case MIIO_MIOT_EVENT:  return hf_miot_eiid;
    default:               return hf_miot_piid;
    }
}

static int
name_field(miio_miot_kind kind)
{
    switch (kind) {
    case MIIO_MIOT_ACTION: return hf_miot_action;
    case MIIO_MIOT_EVENT:  return hf_miot_event;
    default:               return hf_miot_property;
    }
}

/* The expert info of an entry's first problem. */
static void
add_problem(packet_info *pinfo, proto_item *ti, const miio_miot_entry *e)
{
    expert_field *ei;

    if (!e->problems)
        return;
    if (e->problems & (MIIO_MIOT_UNKNOWN_SERVICE | MIIO_MIOT_UNKNOWN_ID))
        ei = &ei_miot_unknown;
    else if (e->problems & (MIIO_MIOT_NOT_WRITABLE | MIIO_MIOT_NOT_READABLE))
        ei = &ei_miot_access;
    else if (e->problems & MIIO_MIOT_OUT_OF_RANGE)
        ei = &ei_miot_out_of_range;
    else if (e->problems & MIIO_MIOT_NOT_ASKED)
        ei = &ei_miot_not_asked;
    else
        ei = &ei_miot_bad_value;
    expert_add_info_format(pinfo, ti, ei, "%s", e->problem);
}

/* "Property mode (2/4) = 2 (Favorite)" */
static const char *
entry_label(packet_info *pinfo, tvbuff_t *tvb, const miio_miot_entry *e)
{
    wmem_strbuf_t *label = wmem_strbuf_new(pinfo->pool, val_to_str_const(e->kind, miot_kind_vals, "Entry"));

    wmem_strbuf_append_c(label, ' ');
    if (e->name[0])
        wmem_strbuf_append_printf(label, "%s ", e->name);
    if (e->kind == MIIO_MIOT_ARGUMENT)
        wmem_strbuf_append_printf(label, e->has_iid ? "(piid %" PRId64 ")" : "(piid ?)", e->iid);
    else if (e->has_siid && e->has_iid)
        wmem_strbuf_append_printf(label, "(%" PRId64 "/%" PRId64 ")", e->siid, e->iid);
    if (e->value.present)
        wmem_strbuf_append_printf(label, " = %s",
            tvb_format_text(pinfo->pool, tvb, e->value.offset, MIN(e->value.length, 48)));
    if (e->value_description[0])
        wmem_strbuf_append_printf(label, " (%s)", e->value_description);
    else if (e->unit[0] && e->value.present)
        wmem_strbuf_append_printf(label, " %s", e->unit);
    if (e->has_code)
        wmem_strbuf_append_printf(label, ", code %" PRId64, e->code);
    return wmem_strbuf_get_str(label);
}

static void
add_entry(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const miio_miot_entry *e)
{
    proto_item *entry_item, *ti;
    proto_tree *t;

    entry_item = proto_tree_add_string(tree, hf_miot_entry, tvb, e->span.offset, e->span.length,
                                       entry_label(pinfo, tvb, e));
    t = proto_item_add_subtree(entry_item, ett_miot_entry);
    if (e->kind != MIIO_MIOT_ARGUMENT && e->has_siid) {
        add_id(t, hf_miot_siid, tvb, e->siid, e->siid_span);
        add_name(t, hf_miot_service, tvb, e->siid_span, e->service, e->service_description);
    }
    if (e->has_iid)
        add_id(t, id_field(e->kind), tvb, e->iid, e->iid_span);
    add_name(t, name_field(e->kind), tvb, e->iid_span, e->name, "");
    if (e->description[0]) {
        ti = proto_tree_add_string(t, hf_miot_description, tvb, 0, 0, e->description);
        proto_item_set_generated(ti);
    }
    if (e->format[0]) {
        ti = proto_tree_add_string(t, hf_miot_format, tvb, 0, 0, e->format);
        proto_item_set_generated(ti);
    }
    if (e->value.present)
        miio_add_utf8_text(t, pinfo, hf_miot_value, tvb, e->value.offset, e->value.length);
    if (e->value_description[0]) {
        ti = proto_tree_add_string(t, hf_miot_value_description, tvb, e->value.offset,
                                   e->value.length, e->value_description);
        proto_item_set_generated(ti);
    }
    if (e->unit[0]) {
        ti = proto_tree_add_string(t, hf_miot_unit, tvb, 0, 0, e->unit);
        proto_item_set_generated(ti);
    }
    if (e->has_code) {
        ti = add_id(t, hf_miot_code, tvb, e->code, e->code_span);
        if (e->code_name[0])
            proto_item_append_text(ti, " (%s)", e->code_name);
        if (e->code != 0)
            expert_add_info_format(pinfo, ti, &ei_miot_code, "%s: the device answered code %" PRId64 "%s%s%s",
                                   e->name[0] ? e->name : wmem_strdup_printf(pinfo->pool, "%" PRId64 "/%" PRId64,
                                                                             e->siid, e->iid),
                                   e->code, e->code_name[0] ? " (" : "", e->code_name,
                                   e->code_name[0] ? ")" : "");
    }
    add_problem(pinfo, entry_item, e);
}

void
miio_miot_add_entries(proto_tree *tree, packet_info *pinfo, tvbuff_t *json_tvb,
                      const miio_miot_frame *m, miio_tap_info *tap)
{
    miio_miot_entry *entries;
    size_t copied = 0;
    proto_item *ti;

    if (m->spec_status == MIIO_SPEC_NOT_MIOT)
        return;
    if (m->spec_note[0]) {
        ti = proto_tree_add_string(tree, hf_miot_spec, json_tvb, 0, 0, m->spec_note);
        proto_item_set_generated(ti);
        if (m->spec_note_first)
            expert_add_info_format(pinfo, ti, &ei_miot_no_spec, "No MIoT names: %s", m->spec_note);
    }
    if (!m->entry_count || (!tree && !tap))
        return;
    entries = wmem_alloc_array(pinfo->pool, miio_miot_entry, m->entry_count);
    if (miio_miot_copy(entries, m->entry_count, &copied) != MIIO_OK)
        return;
    for (size_t i = 0; i < copied; i++)
        add_entry(tree, pinfo, json_tvb, &entries[i]);
    if (m->entries_cut)
        expert_add_info_format(pinfo, NULL, &ei_miot_cut, "%u more MIoT entries not shown", m->entries_cut);
    if (tap) {
        tap->miot = entries;
        tap->miot_count = copied;
    }
}

void
miio_miot_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_miio_model,
          { "Model", "miio.model", FT_STRING, BASE_NONE, NULL, 0x0,
            "The device's model (miIO.info, _otc.info, or configured)", HFILL } },
        { &hf_miio_model_learned_in,
          { "Model learned in", "miio.model.learned_in", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The frame that stated the device's model", HFILL } },
        { &hf_miio_model_source,
          { "Model given in", "miio.model.source", FT_STRING, BASE_NONE, NULL, 0x0,
            "Where the user gave the device's model", HFILL } },
        { &hf_miot_spec,
          { "MIoT spec", "miio.miot.spec", FT_STRING, BASE_NONE, NULL, 0x0,
            "Why the entries are not named: the spec that is missing and where it was looked for", HFILL } },
        { &hf_miot_entry,
          { "MIoT entry", "miio.miot", FT_STRING, BASE_NONE, NULL, 0x0,
            "One property, action, event or argument", HFILL } },
        { &hf_miot_siid,
          { "Service id", "miio.miot.siid", FT_INT64, BASE_DEC, NULL, 0x0, "siid", HFILL } },
        { &hf_miot_piid,
          { "Property id", "miio.miot.piid", FT_INT64, BASE_DEC, NULL, 0x0, "piid", HFILL } },
        { &hf_miot_aiid,
          { "Action id", "miio.miot.aiid", FT_INT64, BASE_DEC, NULL, 0x0, "aiid", HFILL } },
        { &hf_miot_eiid,
          { "Event id", "miio.miot.eiid", FT_INT64, BASE_DEC, NULL, 0x0, "eiid", HFILL } },
        { &hf_miot_service,
          { "Service", "miio.miot.service", FT_STRING, BASE_NONE, NULL, 0x0,
            "The service's name (its URN's fourth part) in the device's spec", HFILL } },
        { &hf_miot_property,
          { "Property", "miio.miot.property", FT_STRING, BASE_NONE, NULL, 0x0,
            "The property's name in the device's spec", HFILL } },
        { &hf_miot_action,
          { "Action", "miio.miot.action", FT_STRING, BASE_NONE, NULL, 0x0,
            "The action's name in the device's spec", HFILL } },
        { &hf_miot_event,
          { "Event", "miio.miot.event", FT_STRING, BASE_NONE, NULL, 0x0,
            "The event's name in the device's spec", HFILL } },
        { &hf_miot_description,
          { "Description", "miio.miot.description", FT_STRING, BASE_NONE, NULL, 0x0,
            "The spec's description of the property, action or event", HFILL } },
        { &hf_miot_format,
          { "Format", "miio.miot.format", FT_STRING, BASE_NONE, NULL, 0x0,
            "The property's format in the spec", HFILL } },
        { &hf_miot_unit,
          { "Unit", "miio.miot.unit", FT_STRING, BASE_NONE, NULL, 0x0,
            "The property's unit in the spec", HFILL } },
        { &hf_miot_value,
          { "Value", "miio.miot.value", FT_STRING, BASE_NONE, NULL, 0x0,
            "The value as JSON text", HFILL } },
        { &hf_miot_value_description,
          { "Value description", "miio.miot.value.description", FT_STRING, BASE_NONE, NULL, 0x0,
            "The description of the value in the property's value-list", HFILL } },
        { &hf_miot_code,
          { "Code", "miio.miot.code", FT_INT64, BASE_DEC, NULL, 0x0,
            "The entry's result code (0 ok)", HFILL } },
    };
    static gint *ett[] = { &ett_miot_entry };
    static ei_register_info ei[] = {
        { &ei_miot_no_spec,
          { "miio.miot.no_spec", PI_UNDECODED, PI_NOTE, "No MIoT spec for the device", EXPFILL } },
        { &ei_miot_unknown,
          { "miio.miot.unknown", PI_PROTOCOL, PI_WARN,
            "A service, property, action or event the device's spec does not have", EXPFILL } },
        { &ei_miot_out_of_range,
          { "miio.miot.out_of_range", PI_PROTOCOL, PI_WARN, "Value outside the property's range", EXPFILL } },
        { &ei_miot_access,
          { "miio.miot.access", PI_PROTOCOL, PI_WARN,
            "Write of a property that is not writable, or read of one that is not readable", EXPFILL } },
        { &ei_miot_bad_value,
          { "miio.miot.bad_value", PI_PROTOCOL, PI_WARN,
            "Value of the wrong format, or not in the property's value list", EXPFILL } },
        { &ei_miot_not_asked,
          { "miio.miot.not_asked", PI_SEQUENCE, PI_WARN, "Reply entry for no entry of its request", EXPFILL } },
        { &ei_miot_code,
          { "miio.miot.code.error", PI_RESPONSE_CODE, PI_NOTE, "The device answered an entry with an error code",
            EXPFILL } },
        { &ei_miot_cut,
          { "miio.miot.cut", PI_UNDECODED, PI_NOTE, "More MIoT entries than are shown", EXPFILL } },
    };
    expert_module_t *expert;

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto);
    expert_register_field_array(expert, ei, array_length(ei));
}
