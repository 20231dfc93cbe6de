#!/usr/bin/env python3
"""Prints the hand-made truth lines of halan-control.truth.jsonl: the two
example frames of issue 28, as hex, with the fields the issue gives them.
They are not in the capture (side "handmade"); the probe is byte for byte
the one the integration sends in the capture (its virtual did was chosen so),
the MSUB example is not (other did, stamps). decode.py --check decodes them
with its own parser and compares.
"""
import json

LINES = [
    {"side": "handmade", "kind": "probe", "source": "issue 28, item 2 (example probe)",
     "hex": "21310020ffffffffffffffffffffffff4d444944112233445566778800000000",
     "fields": {"length": 32, "mdid": 0x1122334455667788, "mdid_hex": "1122334455667788"}},
    {"side": "handmade", "kind": "msub", "source": "issue 28, item 2 (example reply)",
     "hex": "2131002000000000075bcd156553f1004d5355426553f10050554201fe000000",
     "fields": {"length": 32, "did64": 123456789, "did64_hex": "00000000075bcd15", "stamp": 1700000000,
                "msub_ts": 1700000000, "msub_type": 1, "wildcard": True}},
]

for line in LINES:
    print(json.dumps(line))
