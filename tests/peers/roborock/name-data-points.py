#!/usr/bin/env python3
"""Names the data points of a Roborock capture's truth file with
python-roborock's own enums: the expectation the dissector is tested against
(tests/roborock_data_points.rs), made without this project's code.

For every frame row with a JSON plaintext holding pushed data points (a
`dps` object that is not a V1 RPC (keys 101/102 holding a JSON string) nor a
B01 message (dps 10000/10001 holding an object or a JSON string with a
`msgId`)), one output line: the packets that carry the frame, the version,
and each data point in the order sent: id (the key, when it is a decimal
number), name, value (as JSON), description (the value's name).

- ids: `1.0`/`L01` RoborockDataProtocol, `B01` RoborockB01Protocol, `A01`
  RoborockDyadDataProtocol and RoborockZeoProtocol (a frame does not say
  its model): the name both give, else "<dyad> (Dyad) / <zeo> (Zeo)", or the
  one that has it with its model in brackets. Names are the members' `name`.
- values (`1.0`/`L01` only, JSON integers): 120 RoborockErrorCode, 121
  RoborockStateCode, 133 RoborockChargeStatus, by the member's display_name.
  Fan power and water box mode are left unnamed: python-roborock names them
  by the model's features (roborock/data/v1/v1_clean_modes.py).

  name-data-points.py CAPTURE.truth.jsonl > CAPTURE.dps.jsonl
"""

import json
import sys

from roborock.data.v1.v1_code_mappings import RoborockChargeStatus, RoborockErrorCode, RoborockStateCode
from roborock.roborock_message import (RoborockB01Protocol, RoborockDataProtocol, RoborockDyadDataProtocol,
                                       RoborockZeoProtocol)

VALUES = {120: RoborockErrorCode, 121: RoborockStateCode, 133: RoborockChargeStatus}


def member(enum, value):
    """The member for value, without the enums' fallback to a default member."""
    return enum._value2member_map_.get(value)


def name(version, dp_id):
    if version in ("1.0", "L01"):
        m = member(RoborockDataProtocol, dp_id)
        return m.name if m is not None else None
    if version == "B01":
        m = member(RoborockB01Protocol, dp_id)
        return m.name if m is not None else None
    dyad, zeo = member(RoborockDyadDataProtocol, dp_id), member(RoborockZeoProtocol, dp_id)
    if dyad is not None and zeo is not None:
        return dyad.name if dyad.name == zeo.name else f"{dyad.name} (Dyad) / {zeo.name} (Zeo)"
    if dyad is not None:
        return f"{dyad.name} (Dyad)"
    return f"{zeo.name} (Zeo)" if zeo is not None else None


def description(version, dp_id, value):
    if version not in ("1.0", "L01") or dp_id not in VALUES:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    m = member(VALUES[dp_id], value)
    return m.display_name if m is not None else None


def is_b01_message(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return False
    return isinstance(value, dict) and "msgId" in value


class Pairs(dict):
    """A JSON object that also keeps its members as sent (order, duplicates)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs


def data_points(plaintext):
    try:
        top = json.loads(plaintext, object_pairs_hook=Pairs)
    except ValueError:
        return None
    dps = top.get("dps") if isinstance(top, dict) else None
    if not isinstance(dps, dict):
        return None
    if any(isinstance(dps.get(k), str) for k in ("101", "102")):
        return None
    if any(is_b01_message(dps.get(k)) for k in ("10000", "10001")):
        return None
    return dps.pairs


def main(path):
    for line in open(path):
        row = json.loads(line)
        if row.get("kind") != "frame" or not row.get("plaintext") or not row.get("frames"):
            continue
        dps = data_points(row["plaintext"])
        if dps is None:
            continue
        points = []
        for key, value in dps:
            dp_id = int(key) if key.isdigit() and key.isascii() and int(key) < 2**32 else None
            points.append({"key": key, "id": dp_id, "name": name(row["version"], dp_id) if dp_id is not None else None,
                           "value": value,
                           "description": description(row["version"], dp_id, value) if dp_id is not None else None})
        # TCP: the frame is dissected in the last packet that carries it; MQTT: in every copy.
        packets = row["frames"] if "topic" in row else row["frames"][-1:]
        print(json.dumps({"packets": packets, "version": row["version"], "protocol": row["protocol"],
                          "data_points": points}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
