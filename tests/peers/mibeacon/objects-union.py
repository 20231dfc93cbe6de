#!/usr/bin/env python3
"""The union of the MiBeacon objects the community's parsers decode, against
the plugin's object table (issue 28).  Writes objects-union.json and
objects-union.md next to this script.

Sources, read (none of their code is used or copied; the table below
describes in words what each parser does with each object):
  xiaomi-ble   Bluetooth-Devices/xiaomi-ble src/xiaomi_ble/parser.py and
               tests/test_parser.py at 509f516e46dfd21172a70c7e66955ecf3f0923e6
               (Apache-2.0)
  ble_monitor  custom-components/ble_monitor
               custom_components/ble_monitor/ble_parser/xiaomi.py,
               custom_components/ble_monitor/const.py (the entities and their
               units) and custom_components/ble_monitor/test/test_xiaomi_parser.py
               at 56902202cb41d5adff55e4add146b9291599d6a1 (3.15.0 + 2, MIT)
  the plugin   src/mibeacon/objects.rs (names), src/mibeacon/readings/*.rs
               (the ids a decoder reads), src/mibeacon/quantities.rs (units)

The script checks the table against the sources: every id of each parser's
object dispatch table (`xiaomi_dataobject_dict`) must be in the table with
that parser marked, and no other; the plugin's names and decoded ids are read
from the Rust files.  Examples: union-examples.py finds every advert of the
two test files carrying each id (decrypted with decode.py).

  python3 tests/peers/mibeacon/objects-union.py \\
      --xiaomi-ble-parser PATH --xiaomi-ble-tests PATH \\
      --ble-monitor-parser PATH --ble-monitor-tests PATH
  (e.g. paths written by `git show <commit>:<path> > file` from clones)
Needs python3-cryptography (decode.py).
"""

import argparse
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
XB_COMMIT = "509f516e46dfd21172a70c7e66955ecf3f0923e6"
BM_COMMIT = "56902202cb41d5adff55e4add146b9291599d6a1"
XB_PARSER = "src/xiaomi_ble/parser.py"
BM_PARSER = "custom_components/ble_monitor/ble_parser/xiaomi.py"

# Units as both parsers give them (xiaomi-ble's sensor_state_data units,
# ble_monitor's const.py entities).  "" = no unit (a state, an event, a
# count).  "(no entity)" in a `bm` text: ble_monitor's parser returns the
# key but const.py defines no entity for it, so Home Assistant shows nothing.

OBJ = []


def o(oid, name, length, layout, readings, xb, bm, devices="", notes=""):
    """readings: [(what, unit)]; xb/bm: how that parser decodes it, or None."""
    OBJ.append({"id": "0x%04X" % oid, "name": name, "length": length, "layout": layout,
                "readings": [{"what": w, "unit": u} for w, u in readings],
                "xiaomi_ble": xb, "ble_monitor": bm, "devices": devices, "notes": notes})


# --- 0x0xxx: older event objects -------------------------------------------
o(0x0003, "motion", "1", "u8 (any value)",
  [("motion event", "")],
  "fires a motion_detected event whatever the value (only MUE4094RT sends it, "
  "without a clear)",
  "motion = the byte, and starts ble_monitor's motion timer",
  "MUE4094RT")
o(0x0006, "fingerprint", "5",
  "key id u32 LE (0 administrator, FFFFFFFF unknown operator, DEADBEEF invalid operator), "
  "result u8 (0 match, 1 no match, 2 timeout, 3 low quality, 4 insufficient area, "
  "5 skin too dry, 6 skin too wet)",
  [("fingerprint matched", ""), ("key id", ""), ("fingerprint result event", "")],
  "binary fingerprint = result 0; key_id sensor (text); fingerprint event named by the result",
  "fingerprint 0/1, result text, key id (number or administrator/unknown operator; "
  "no DEADBEEF case; its 'low quality' test compares with 0x33, not 3)",
  "ZNMS16LM, ZNMS17LM, DSL-C08 locks")
o(0x0007, "door", "1 (the plugin also takes 5)",
  "u8: 0 open, 1 closed, 2 not closed in time, 3 knock, 4 pried, 5 stuck",
  [("door open", ""), ("door left open / knock / pried / stuck", "")],
  "binary door plus door_left_open, knock_on_the_door, pry_the_door, door_stuck set or reset",
  "door 0/1 and 'door action' text",
  "locks")
o(0x0008, "armed away", "1 (5 with a u32 LE unix timestamp)",
  "u8: 0 armed, 1 disarmed (value XOR 1)",
  [("armed", "")],
  "binary armed; on DSL-C08 also lock = armed, a lock_outside_the_door lock event and "
  "lock method 'manual'",
  "'armed away' = value XOR 1, 'timestamp' (ISO) when 5 bytes; on DSL-C08 a whole lock "
  "report (lock, action 'lock outside the door', method manual)",
  "locks")
o(0x000A, "body temperature", "2", "s16 LE, 0.01 °C; 0 = no reading",
  [("temperature", "°C")],
  "temperature = value / 100, skipped when 0", "same", "MMC-W505")
o(0x000B, "lock", "9",
  "u8 (low nibble action 0-8/15, high nibble method 0-11/15), key id u32 LE "
  "(0xC0DExxxx = an error code), u32 LE unix timestamp",
  [("lock state", ""), ("lock event", ""), ("lock method", ""), ("key id / lock error", "")],
  "lock (childlock, antilock on ZNMS17LM) binary, lock event, lock_method and key_id "
  "sensors (key kinds by range 0x8001xxxx fingerprint ... 0x8008xxxx palm print; its "
  "Bluetooth range test is key <= 0x7FFFFFF, seven F)",
  "lock/childlock/antilock value, locktype, action, method, error, key id (low 16 bits "
  "for methods other than Bluetooth), timestamp (ISO)",
  "ZNMS16LM, ZNMS17LM, DSL-C08, XMZNMS04LM, XMZNMS08LM",
  "xiaomi-ble's Bluetooth key range reads 0x7FFFFFF (seven F), the plugin's 0x7FFFFFFF; "
  "ble_monitor keeps the low 16 bits for other methods")
o(0x000F, "moving with light", "3", "u24 LE: lux (CGPR1) or light level",
  [("motion", ""), ("light", ""), ("illuminance", "lx")],
  "motion on; MJYD02YL, RTCGQ02LM: light = value >= 100; CGPR1: illuminance lx",
  "motion 1 and motion timer; MJYD02YL, RTCGQ02LM: light = value >= 100; CGPR1: "
  "illuminance lx and light = value >= 100; other products: nothing",
  "MJYD02YL, RTCGQ02LM, CGPR1")
o(0x0010, "toothbrush", "1 or 2", "u8 state (0 on, else off), then u8 counter (on) or score (off)",
  [("brushing", ""), ("counter", ""), ("score", "")],
  "binary toothbrush, counter or score sensor", "toothbrush 0/1, counter or score",
  "M1S-T500, T700, T700i")

# --- 0x1xxx: the classic objects ---------------------------------------------
o(0x1001, "button", "3", "u8 button (or cube direction), u8 value, u8 press type "
  "(0 single, 1 double, 2 long, 3 dimmer press/hold, 4 dimmer rotate, 5 short, 6 long)",
  [("button events per product", ""), ("dimmer steps / presses / hold duration", "")],
  "events per product: RTCGQ02LM, YLAI003, JTYJGD03MI, SJWS01LM button; XMMF01JQD cube; "
  "YLYK01YL remote (button_on ... button_min); YLYK01YL-FANRC, YLYK01YL-VENFAN and "
  "YLYB01YL-BHFRC remotes (button_<command>); YLKG07YL/YLKG08YL dimmer with steps, "
  "presses, duration; K9B-1/2/3BTN switches (press codes 1 = long, 2 = double there)",
  "the same products as keys: remote, fan remote, ventilator fan remote, bathroom heater "
  "remote, button, dimmer + steps, one/two/three btn switch (left/middle/right), "
  "'remote single press'/'remote long press' binaries for YLYK01YL",
  "YLYK01YL, YLKG07YL, K9B, XMMF01JQD, YLAI003, RTCGQ02LM, JTYJGD03MI, SJWS01LM",
  "xiaomi-ble also decodes three fan/heater remotes (YLYK01YL-FANRC, YLYK01YL-VENFAN, "
  "YLYB01YL-BHFRC); the plugin does not")
o(0x1004, "temperature", "2", "s16 LE, 0.1 °C", [("temperature", "°C")],
  "value / 10", "value / 10")
o(0x1005, "power and temperature", "2", "u8 power (0/1), u8 temperature (whole °C, unsigned)",
  [("power", ""), ("temperature", "°C")],
  "binary power = first byte, temperature = second byte (no length check)",
  "switch = first byte, temperature = second byte",
  "", "the plugin names it but decodes nothing")
o(0x1006, "humidity", "2", "u16 LE, 0.1 %", [("humidity", "%")],
  "value / 10; LYWSD03MMC and MHO-C401: whole percent (truncated)", "value / 10")
o(0x1007, "illuminance", "3", "u24 LE lux; MJYD02YL, MCCGQ02HL: 100 = light, 0/1 = dark",
  [("illuminance", "lx"), ("light", "")],
  "HHCCJCY01, GCLS002: illuminance lx; MJYD02YL, MCCGQ02HL: light = value 100; others nothing",
  "illuminance lx and light = value 100, for every product")
o(0x1008, "moisture", "1", "u8 %", [("moisture", "%")], "moisture %", "moisture %",
  "HHCCJCY01, GCLS002, HHCCPOT002")
o(0x1009, "conductivity", "2", "u16 LE µS/cm", [("conductivity", "µS/cm")],
  "conductivity", "conductivity", "HHCCJCY01, GCLS002, HHCCPOT002")
o(0x100A, "battery", "1", "u8 %", [("battery", "%"), ("voltage (derived)", "V")],
  "battery %, and a voltage derived from it (0.8-1.6 V for LYWSDCGQ and CGDK3, "
  "2.2-3.1 V otherwise)",
  "battery %, voltage derived 2.2-3.1 V",
  "", "the voltage is computed from the percentage, not sent")
o(0x100D, "temperature and humidity", "4", "s16 LE 0.1 °C, u16 LE 0.1 %",
  [("temperature", "°C"), ("humidity", "%")], "both / 10", "both / 10")
o(0x100E, "lock attribute", "1",
  "bit field: bit 0 = locked (0 means unlocked), bits 3+ = child lock (0 means off)",
  [("lock", ""), ("child lock", "")],
  "DSL-C08 only: lock = bit 0 XOR 1, childlock = (value >> 3) XOR 1",
  "DSL-C08 only: the same",
  "DSL-C08", "the plugin names it ('lock') but decodes nothing")
o(0x1010, "formaldehyde", "2", "u16 LE, 0.01 mg/m³", [("formaldehyde", "mg/m³")],
  "value / 100", "value / 100", "JQJCY01YM")
o(0x1012, "switch", "1", "u8 0/1", [("power", "")], "binary power", "switch 0/1")
o(0x1013, "consumable", "1", "u8 %", [("consumable", "%")], "consumable %", "consumable %",
  "WX08ZM")
o(0x1014, "water leak", "1", "u8, > 0 = wet", [("moisture detected", "")],
  "binary moisture = value > 0", "'moisture detected' = the byte", "SJWS01LM")
o(0x1015, "smoke", "1", "u8, > 0 = smoke", [("smoke", "")],
  "binary smoke = value > 0", "smoke = the byte", "JTYJGD03MI")
o(0x1017, "time without motion", "4", "u32 LE seconds since the last motion",
  [("motion", ""), ("no motion time", "s")],
  "motion = value <= 30 s (the Mi Home rule)",
  "motion = value 0, 'no motion time' s (no entity)", "RTCGQ02LM, MUE4094RT, CGPR1",
  "motion thresholds differ: xiaomi-ble (and the plugin) <= 30 s, ble_monitor 0 only")
o(0x1018, "light intensity", "1", "u8 0/1", [("light", "")], "binary light", "light = the byte",
  "MCCGQ02HL")
o(0x1019, "door/window", "1", "u8: 0 open, 1 closed, 2 not closed in time, 3 device reset",
  [("opening", ""), ("door left open", "")],
  "opening, door_left_open; 3 ignored", "opening and 'status' text (3: opening 1, device reset)",
  "MCCGQ02HL, CGH1")
o(0x101B, "no motion timeout", "4", "u32 LE seconds",
  [("motion", ""), ("no motion time", "s")],
  "motion off, any value", "motion = value 0, 'no motion time' s (no entity)", "RTCGQ02LM")

# --- 0x2xxx, 0x3xxx ----------------------------------------------------------
o(0x2000, "body temperature", "5", "s16 LE, s16 LE (two sensor temperatures, 0.01 °C), u8 battery %",
  [("temperature", "°C"), ("battery", "%")],
  "temperature from a fitted formula of the two readings (the Mi Home app's values), battery",
  "the same formula", "MMC-T201-1")
o(0x3003, "brushing", "5 or 6", "u8 0 start / 1 end, u32 LE unix time, optional u8 score",
  [("brushing", ""), ("score", "")],
  "binary toothbrush, score sensor when 6 bytes (the time is returned, not a sensor)",
  "toothbrush, start/end time (datetime), score", "M1S-T500")

# --- 0x48xx-0x4Exx: MIoT-spec property/event objects (newer firmware) --------
o(0x4801, "temperature", "4", "float32 LE °C", [("temperature", "°C")],
  "rounded to 0.1", "as is (no length check)", "CGDK3, MJWSD06MMC, KS2BB")
o(0x4802, "humidity", "1", "u8 %", [("humidity", "%")], "humidity %", "humidity % (1 byte only)",
  "MJWSD06MMC, KS2BB")
o(0x4803, "battery", "1", "u8 %", [("battery", "%")], "battery %", "battery %", "PS1BB")
o(0x4804, "opening state", "1", "u8: 1 open, 2 closed", [("opening", "")],
  "opening; closed also resets door_left_open and device_forcibly_removed", "opening 1/0",
  "MS1BB(MI), other Linptech door sensors")
o(0x4805, "illuminance", "4", "float32 LE lux", [("illuminance", "lx")], "illuminance lx",
  "illuminance lx", "ES3, ES5BB, XMOSB01XS")
o(0x4806, "water leak", "1", "u8, > 0 = wet", [("moisture detected", "")],
  "binary moisture; SJWS02LM: 'bottom submersion'", "'moisture detected' = the byte",
  "RS1BB(MI), SJWS02LM")
o(0x4808, "humidity", "4", "float32 LE %", [("humidity", "%")], "rounded to 0.1", "as is")
o(0x480C, "door/window state", "1", "u8: 0 open, 1 closed (other values ignored)",
  [("opening", "")],
  "binary opening = value 0 (added for the zhiee.magnet.mc01 door/window sensor, 2026-05)",
  None, "zhiee.magnet.mc01")
o(0x4810, "sleep state", "1", "u8: 0 awake, 1 asleep, 2 = a double press",
  [("sleeping", ""), ("button double press", "")],
  None, "sleeping 0/1 (entity without unit); 2 gives 'button switch' = double press",
  "MJZNZ018H, ZX1 smart pillows")
o(0x4811, "snoring state", "1", "u8 (passed on as it is)", [("snoring", "")],
  None, "snoring = the byte (entity without unit)", "MJZNZ018H, ZX1 smart pillows")
o(0x4818, "time without motion", "2", "u16 LE seconds", [("motion", ""), ("no motion time", "s")],
  "motion = value <= 30 s", "motion = value 0, 'no motion time' s (no entity)", "HS1BB(MI)")
o(0x483C, "pressure present", "1", "u8: 0 no pressure, 1 pressure", [("occupancy", "")],
  "binary occupancy = value > 0", "'pressure state' = the byte (entity without unit)", "PS1BB")
o(0x483D, "pressure present duration", "4", "u32 LE seconds",
  [("pressure present duration", "s")], "sensor, s", "sensor, s", "PS1BB")
o(0x483E, "pressure not present duration", "4", "u32 LE seconds",
  [("pressure not present duration", "s")], "sensor, s", "sensor, s", "PS1BB")
o(0x483F, "pressure present time set", "4", "u32 LE seconds (a setting of the device)",
  [("pressure present time set", "s")], None, "sensor, s (no length check)", "PS1BB")
o(0x4840, "pressure not present time set", "4", "u32 LE seconds (a setting)",
  [("pressure not present time set", "s")], None, "sensor, s (no length check)", "PS1BB")
o(0x484E, "occupancy", "1", "u8: 0 no one, 1 someone (XMOSB01XS: 2 = clear)",
  [("occupancy", ""), ("motion", "")],
  "binary occupancy = value > 0 (XMOSB01XS: value 1)",
  "ES3, XMOSB01XS: occupancy 0/1; other products: motion 1 and motion timer when not 0",
  "ES3, ES5BB, XMOSB01XS",
  "ble_monitor reads it as motion for products other than ES3 and XMOSB01XS; the plugin "
  "follows xiaomi-ble (occupancy)")
o(0x484F, "time without motion", "1", "u8 minutes", [("motion", ""), ("no motion time", "min")],
  None, "motion = value 0, 'no motion time' (no entity)", "ES3")
o(0x4850, "time with motion", "1", "u8 minutes", [("motion time", "min")],
  None, "'motion time' (no entity)", "ES3")
o(0x4851, "occupied duration", "1 (xiaomi-ble) / 4 (ble_monitor)",
  "xiaomi-ble: u8 minutes (2, 5, ...); ble_monitor: u32 LE, exactly 4 bytes",
  [("duration detected", "min")],
  "sensor 'duration detected', minutes", "'duration occupancy detected' (no entity, no unit)",
  "ES5BB", "the two parsers disagree on the length; the plugin follows xiaomi-ble")
o(0x4852, "clear duration", "1 (xiaomi-ble) / 4 (ble_monitor)",
  "xiaomi-ble: u8 minutes (2, 5, 10, 30); ble_monitor: u32 LE, exactly 4 bytes",
  [("duration cleared", "min")],
  "sensor 'duration cleared', minutes", "'duration no occupancy detected' (no entity, no unit)",
  "ES5BB", "the two parsers disagree on the length; the plugin follows xiaomi-ble")
o(0x487B, "top splash", "1", "u8, > 0 = wet", [("top splash", "")],
  "SJWS02LM only: binary 'top splash'", None, "SJWS02LM")
o(0x4A01, "low battery", "1", "u8: 1 low", [("low battery", "")],
  "binary battery (Home Assistant's battery class: on = low) = the byte",
  "'low battery' = the byte (no entity)", "XMWXKG01YL")
o(0x4A08, "motion with illuminance", "4", "float32 LE lux", [("motion", ""), ("illuminance", "lx")],
  "motion on, illuminance lx", "motion 1 and motion timer, illuminance lx",
  "HS1BB(MI), MS1BB(MI), XMPIRO2SXS")
o(0x4A0C, "single press", "0 or 1", "none, or u8 button (XMWS01XS: 0 left, 1 right)",
  [("button event", "")], "press event (XMWS01XS: left/right)",
  "'one btn switch' toggle, 'button switch' single press", "PTX, XMWS01XS")
o(0x4A0D, "double press", "0 or 1", "as 0x4A0C", [("button event", "")],
  "double_press event", "double press", "PTX, XMWS01XS")
o(0x4A0E, "long press", "0 or 1", "as 0x4A0C", [("button event", "")],
  "long_press event", "long press", "PTX, XMWS01XS")
o(0x4A0F, "device forcibly removed", "1", "u8: 1 removed", [("opening", ""), ("device forcibly removed", "")],
  "opening on and 'device forcibly removed' on when 1", "opening 1 and status text when 1",
  "Linptech door sensors")
o(0x4A12, "opening event", "1", "u8: 1 opened, 2 closed", [("opening", "")],
  "as 0x4804", "opening 1/0", "MS1BB(MI)")
o(0x4A13, "button", "1", "u8: 1 pressed", [("button event", "")], "press event",
  "button toggle", "MS1BB(MI)")
o(0x4A1A, "door left open", "1", "u8: 1 = not closed", [("opening", ""), ("door left open", "")],
  "opening and door_left_open on", "opening 1, status 'door not closed'", "MS1BB(MI)")
o(0x4A1C, "device reset", "1", "u8", [("reset", "")],
  None, "'reset' = the byte (entity without unit)", "PS1BB")
o(0x4A68, "water event", "1", "u8: 0/1 bottom submersion on/off, 2/3 top splash on/off",
  [("bottom submersion", ""), ("top splash", "")], "SJWS02LM only: the two binaries", None,
  "SJWS02LM")
o(0x4C01, "temperature", "4", "float32 LE °C", [("temperature", "°C")], "rounded to 0.01",
  "as is", "LYWSD02MMC (newer hardware)")
o(0x4C02, "humidity", "1", "u8 %", [("humidity", "%")], "humidity %", "humidity %", "LYWSD02MMC")
o(0x4C03, "battery", "1", "u8 %", [("battery", "%")], "battery %", "battery %", "HS1BB(MI), SJWS02LM")
o(0x4C08, "humidity", "4", "float32 LE %", [("humidity", "%")], "as is", "as is", "XMWSDJ04MMC")
o(0x4C14, "mode", "1", "u8 (the switch's mode setting)", [("mode", "")],
  "returned as {'mode': value}; no sensor", "'mode' = the byte (no entity)", "XMWXKG01YL")
o(0x4E01, "low battery", "1", "u8: 1 low", [("low battery", "")],
  "binary battery (on = low)", "'low battery' (no entity)", "PTX switches")
o(0x4E0C, "single press", "0 or 1", "model-specific u8: XMWXKG01YL 1 left, 2 right, 3 both; "
  "K9BB-1BTN 1 press, 8 long, 15 double; PTX-F1-Display 1-4; XMWXKG01LM: no data",
  [("button event", "")],
  "XMWXKG01YL, K9BB-1BTN, XMWXKG01LM events",
  "XMWXKG01YL, K9BB-1BTN, XMWXKG01LM, PTX-F1-Display ('four btn switch 1-4')",
  "XMWXKG01YL, K9BB-1BTN, XMWXKG01LM, PTX-F1-Display")
o(0x4E0D, "double press", "0 or 1", "as 0x4E0C (no K9BB code)", [("button event", "")],
  "XMWXKG01YL, XMWXKG01LM", "XMWXKG01YL, XMWXKG01LM, PTX-F1-Display")
o(0x4E0E, "long press", "0 or 1", "as 0x4E0C (no K9BB code)", [("button event", "")],
  "XMWXKG01YL, XMWXKG01LM", "XMWXKG01YL, XMWXKG01LM, PTX-F1-Display")
o(0x4E16, "scale weight (xiaomi-ble) / bed occupied (ble_monitor)", "9 / 1",
  "xiaomi-ble: u8 profile, u32 LE mass 0.01 kg (0 = none), u32 LE timestamp; "
  "ble_monitor: u8, 1 = someone on the bed",
  [("mass", "kg"), ("profile id", ""), ("bed occupancy", "")],
  "S200 scale (MJTZC02YM): mass = value / 100 kg, profile id",
  "pillow: 'bed occupancy' 1 when the byte is 1 (entity without unit)",
  "MJTZC02YM scale; MJZNZ018H/ZX1 pillows",
  "one id, two meanings by product and length; the plugin follows xiaomi-ble (9 bytes)")
o(0x4E17, "bed left", "1", "u8, 1 = got up", [("bed occupancy", "")],
  None, "'bed occupancy' 0 when the byte is 1", "MJZNZ018H, ZX1 smart pillows")
o(0x4E1C, "device reset", "1", "u8", [("device reset", "")],
  "returned as {'device reset': True}; no sensor", "'device reset' = the byte (no entity)",
  "XMWXKG01YL, K9BB", "the plugin names it but decodes nothing")

# --- 0x5xxx, 0x6xxx -------------------------------------------------------------
o(0x5003, "battery", "1", "u8 %", [("battery", "%")], "battery %", "battery %")
o(0x5010, "sleep state", "1", "u8: 0 awake, 1 asleep, 2 = a double press",
  [("sleeping", ""), ("button double press", "")],
  None, "sleeping 0/1; 2 gives 'button' = double press", "MJZNZ018H, ZX1 smart pillows")
o(0x5011, "snoring state", "1", "u8", [("snoring", "")], None, "snoring = the byte",
  "MJZNZ018H, ZX1 smart pillows")
o(0x5403, "battery", "1", "u8 %", [("battery", "%")], None, "battery %",
  "MJZNZ018H, ZX1 smart pillows", "the example's test asserts battery 76 (value 0x4C)")
o(0x5413, "close-range occupancy", "1", "u8, > 0 = someone close", [("occupancy close range", "")],
  "ES5BB only: binary 'occupancy close range'", None, "ES5BB")
o(0x5414, "mode", "1", "u8 (the switch's mode setting)", [("mode", "")],
  "returned as {'mode': value}; no sensor", "'mode' = the byte (no entity)", "KS1, KS1BP")
o(0x5422, "charging state", "1", "u8: 0 charging, 1 not charging, 2 full",
  [("charging state", "")], "text sensor (other values 'Unknown')", None, "M2456B1")
o(0x5601, "low battery", "1", "u8: 1 low", [("low battery", "")], None,
  "'low battery' = the byte (no entity)", "MJZNZ018H, ZX1 smart pillows")
o(0x560C, "single press", "0 or 1", "KS1, KS1BP: u8 button 1-4 (left, mid left, mid right, right); "
  "KS2BB: no data", [("button event", "")],
  "KS1, KS1BP, KS2BB events", "KS1, KS1BP: 'four btn switch 1-4', single press", "KS1, KS1BP, KS2BB")
o(0x560D, "double press", "0 or 1", "as 0x560C", [("button event", "")],
  "KS1, KS1BP, KS2BB", "KS1, KS1BP", "KS1, KS1BP, KS2BB")
o(0x560E, "long press", "0 or 1", "as 0x560C", [("button event", "")],
  "KS1, KS1BP, KS2BB", "KS1, KS1BP", "KS1, KS1BP, KS2BB")
o(0x5810, "sleep state", "1", "u8: 0 asleep, 1 awake", [("asleep", "")],
  "binary asleep = value XOR 1", None, "M2456B1")
o(0x5A16, "bed occupancy event", "1", "u8: 1 got into bed, 2 left the bed, 3 double press",
  [("bed occupancy", ""), ("button double press", "")],
  None, "'bed occupancy' 1 / 0, or 'button' double press", "MJZNZ018H, ZX1 smart pillows",
  "the example's test asserts bed occupancy 0 (value 2); test_MJZNZ018H_double_click (value 3) "
  "asserts button double press")
o(0x6012, "humidity", "1", "u8 %", [("humidity", "%")], None, "humidity % (as 0x4802)",
  "PTX-F1-Display (090615.remote.x1swd)", "the example's test asserts humidity 39 (value 0x27)")
o(0x605D, "temperature", "1", "u8, whole °C (unsigned: no temperature below 0)",
  [("temperature", "°C")], None, "temperature °C, exactly 1 byte",
  "PTX-F1-Display (090615.remote.x1swd)", "the example's test asserts temperature 25 (value 0x19)")
o(0x6461, "wearing state", "1", "u8: 0 worn, 1 not worn", [("wearing", "")],
  "binary wearing = value XOR 1", None, "M2456B1")
o(0x6E16, "body composition", "9",
  "u8 profile, u32 LE packed: bits 0-10 mass 0.1 kg, bits 11-17 heart rate - 50 "
  "(1-126 valid), bits 18-31 impedance 0.1 Ω; u32 LE (timestamp, unused)",
  [("mass", "kg"), ("heart rate", "bpm"), ("impedance", "Ω"), ("stabilized", ""), ("profile id", "")],
  "mass, heart rate (bpm), impedance_low (with mass) or impedance_high (mass and heart "
  "rate 0, the last frame), stabilized",
  "weight, heart rate, 'impedance' (with mass) or 'impedance low' (without); nothing "
  "when the packed value is 0", "MJTZC01YM (S400)",
  "the two parsers name the impedances differently")


def plugin_tables():
    """The plugin's names (objects.rs) and the ids its readings decode."""
    src = open(os.path.join(ROOT, "src/mibeacon/objects.rs"), encoding="utf-8").read()
    body = src.split("pub fn name(")[1].split("_ => return None")[0]
    names = {"0x%04X" % int(i, 16): n for i, n in re.findall(r'0x([0-9A-Fa-f]{4}) => "([^"]+)"', body)}
    decoded = set()
    rdir = os.path.join(ROOT, "src/mibeacon/readings")
    for f in sorted(os.listdir(rdir)):
        text = open(os.path.join(rdir, f), encoding="utf-8").read().split("#[cfg(test)]")[0]
        for i in re.findall(r"\b0x([0-9A-Fa-f]{4})\b", text):
            decoded.add("0x%04X" % int(i, 16))
    return names, decoded


def dispatch(path):
    """The ids of a parser's xiaomi_dataobject_dict, and each objXXXX's def line."""
    text = open(path, encoding="utf-8").read()
    table = text.split("xiaomi_dataobject_dict = {")[1].split("}")[0]
    ids = {"0x%04X" % int(i, 16) for i in re.findall(r"0x([0-9A-Fa-f]{4})\s*:", table)}
    lines = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"def obj([0-9a-fA-F]{4})\(", line)
        if m:
            lines["0x%04X" % int(m.group(1), 16)] = n
    return ids, lines


def load_examples(args):
    spec = importlib.util.spec_from_file_location("union_examples", os.path.join(HERE, "union-examples.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import io
    import contextlib
    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["union-examples.py", "--ble-monitor-tests", args.ble_monitor_tests,
                "--ble-monitor-commit", BM_COMMIT, "--xiaomi-ble-tests", args.xiaomi_ble_tests]
    try:
        with contextlib.redirect_stdout(out):
            mod.main()
    finally:
        sys.argv = argv
    return json.loads(out.getvalue())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xiaomi-ble-parser", required=True)
    ap.add_argument("--xiaomi-ble-tests", required=True)
    ap.add_argument("--ble-monitor-parser", required=True)
    ap.add_argument("--ble-monitor-tests", required=True)
    args = ap.parse_args()

    xb_ids, xb_lines = dispatch(args.xiaomi_ble_parser)
    bm_ids, bm_lines = dispatch(args.ble_monitor_parser)
    names, decoded = plugin_tables()
    examples = load_examples(args)

    table = {e["id"]: e for e in OBJ}
    errors = []
    if len(table) != len(OBJ):
        errors.append("an id is in the table twice")
    for pid, ids, key in (("xiaomi-ble", xb_ids, "xiaomi_ble"), ("ble_monitor", bm_ids, "ble_monitor")):
        for i in sorted(ids - set(table)):
            errors.append("%s decodes %s, not in the table" % (pid, i))
        for i, e in sorted(table.items()):
            if (e[key] is not None) != (i in ids):
                errors.append("%s: table says %s %s it" % (i, pid, "decodes" if e[key] else "does not decode"))
    for i in sorted(set(names) - set(table)):
        errors.append("the plugin names %s, which neither parser decodes" % i)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1

    out = []
    for i in sorted(table):
        e = dict(table[i])
        e["parsers"] = [p for p, k in (("xiaomi-ble", "xiaomi_ble"), ("ble_monitor", "ble_monitor")) if e[k]]
        e["source_lines"] = {}
        if i in xb_ids:
            e["source_lines"]["xiaomi-ble"] = "%s:%d" % (XB_PARSER, xb_lines[i])
        if i in bm_ids:
            e["source_lines"]["ble_monitor"] = "%s:%d" % (BM_PARSER, bm_lines[i])
        e["plugin"] = {"name": names.get(i), "decoded": i in decoded}
        e["missing_from_plugin"] = i not in names
        exs = examples.get(i, [])
        e["examples_in_tests"] = len(exs)
        e["tests"] = sorted(set("%s %s" % (x["source"], x["test"]) for x in exs))
        e["example"] = None
        if exs:
            x = exs[0]
            e["example"] = {k: x[k] for k in ("source", "commit", "file", "line", "test",
                                              "address", "service_data", "bindkey", "value")}
            e["example"]["objects"] = x["objects"]
        out.append(e)

    meta = {
        "sources": {
            "xiaomi-ble": {"repo": "Bluetooth-Devices/xiaomi-ble", "commit": XB_COMMIT,
                           "files": [XB_PARSER, "tests/test_parser.py"], "licence": "Apache-2.0"},
            "ble_monitor": {"repo": "custom-components/ble_monitor", "commit": BM_COMMIT,
                            "files": [BM_PARSER, "custom_components/ble_monitor/const.py",
                                      "custom_components/ble_monitor/test/test_xiaomi_parser.py"],
                            "licence": "MIT"},
            "plugin": ["src/mibeacon/objects.rs", "src/mibeacon/readings/", "src/mibeacon/quantities.rs"],
        },
        "counts": {
            "union": len(out), "xiaomi-ble": len(xb_ids), "ble_monitor": len(bm_ids),
            "plugin_named": len(names), "plugin_decoded": len(decoded & set(table)),
            "missing_from_plugin": sum(e["missing_from_plugin"] for e in out),
            "named_not_decoded": sorted(i for i in names if i not in decoded),
        },
        "fields": {
            "length": "value bytes after id and length byte",
            "layout": "value layout, little-endian",
            "readings": "what the parsers make of it, each with its unit ('' = none)",
            "xiaomi_ble / ble_monitor": "how that parser decodes it, in words; null = it does not",
            "source_lines": "file:line of the parser's function for the id",
            "plugin": "the plugin's name (objects.rs) and whether a decoder in readings/ reads it",
            "tests": "the tests whose adverts carry the id",
            "example": "the first advert of the two test files carrying the id (file, line = "
                       "the line holding the advert's hex), decrypted with decode.py; value = "
                       "the object's value hex",
        },
    }
    with open(os.path.join(HERE, "objects-union.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "objects": out}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(HERE, "objects-union.md"), "w", encoding="utf-8") as f:
        f.write(markdown(meta, out))
    c = meta["counts"]
    print("union %d ids (xiaomi-ble %d, ble_monitor %d); plugin names %d, decodes %d; missing %d"
          % (c["union"], c["xiaomi-ble"], c["ble_monitor"], c["plugin_named"], c["plugin_decoded"],
             c["missing_from_plugin"]))
    return 0


def units(e):
    us = []
    for r in e["readings"]:
        if r["unit"] and r["unit"] not in us:
            us.append(r["unit"])
    return ", ".join(us) if us else "—"


def cell(s):
    return (s or "—").replace("|", "\\|")


def markdown(meta, out):
    c = meta["counts"]
    L = []
    L.append("# MiBeacon objects: the community's parsers against the plugin\n")
    L.append("Made by `objects-union.py` (issue 28), with `objects-union.json` (the same "
             "facts, machine-readable). Sources, read and described in words, no code used: "
             "xiaomi-ble `%s` and `tests/test_parser.py` at `%s` (Apache-2.0); ble_monitor "
             "`%s`, `const.py` (entities, units) and `test/test_xiaomi_parser.py` at `%s` (MIT); "
             "the plugin's `src/mibeacon/objects.rs`, `readings/`, `quantities.rs`.\n"
             % (XB_PARSER, XB_COMMIT, BM_PARSER, BM_COMMIT))
    L.append("Union: **%d object ids** (xiaomi-ble decodes %d, ble_monitor %d). The plugin names "
             "%d and decodes %d; **%d ids are missing** from it. Named but not decoded: %s.\n"
             % (c["union"], c["xiaomi-ble"], c["ble_monitor"], c["plugin_named"],
                c["plugin_decoded"], c["missing_from_plugin"], ", ".join(c["named_not_decoded"])))
    L.append("Layouts are little-endian; `length` is the value's length. \"no entity\": "
             "ble_monitor's parser returns the key but its `const.py` defines no entity, so "
             "Home Assistant shows nothing for it. Examples: the first advert of the two test "
             "files that carries the id (found and decrypted by `union-examples.py` with "
             "`decode.py`); the line is the one holding the advert's hex.\n")

    L.append("## Missing from the plugin\n")
    L.append("| id | name | length | layout | readings (unit) | parsers | devices | example in tests |")
    L.append("|---|---|---|---|---|---|---|---|")
    for e in out:
        if not e["missing_from_plugin"]:
            continue
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            e["id"], cell(e["name"]), cell(e["length"]), cell(e["layout"]),
            cell("; ".join("%s%s" % (r["what"], " (%s)" % r["unit"] if r["unit"] else "")
                           for r in e["readings"])),
            ", ".join(e["parsers"]), cell(e["devices"]), cell(example_text(e))))
    L.append("")
    L.append("How each parser decodes them:\n")
    for e in out:
        if e["missing_from_plugin"]:
            L.append(detail(e))
    L.append("")

    L.append("## Named by the plugin, decoded differently or not at all\n")
    for e in out:
        if not e["missing_from_plugin"] and (e["notes"] or not e["plugin"]["decoded"]):
            L.append("- **%s** %s (plugin: \"%s\", %s): %s" % (
                e["id"], e["name"], e["plugin"]["name"],
                "decoded" if e["plugin"]["decoded"] else "not decoded", e["notes"]))
    L.append("")

    L.append("## Every id\n")
    L.append("| id | name | length | units | xiaomi-ble | ble_monitor | plugin name | decoded | examples in tests |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for e in out:
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
            e["id"], cell(e["name"]), cell(e["length"]), units(e),
            "yes" if e["xiaomi_ble"] else "—", "yes" if e["ble_monitor"] else "—",
            cell(e["plugin"]["name"]), "yes" if e["plugin"]["decoded"] else "no",
            e["examples_in_tests"]))
    L.append("")
    L.append("## Details\n")
    for e in out:
        L.append(detail(e))
    L.append("")
    return "\n".join(L)


def example_text(e):
    x = e["example"]
    if not x:
        return "none in either test file"
    return "%s `%s` line %d (`%s`): value `%s`" % (x["source"], x["file"].split("/")[-1], x["line"],
                                                  x["test"], x["value"] or "(empty)")


def detail(e):
    s = ["- **%s %s** — length %s; %s." % (e["id"], e["name"], e["length"], e["layout"])]
    for p, k in (("xiaomi-ble", "xiaomi_ble"), ("ble_monitor", "ble_monitor")):
        if e[k]:
            s.append("  %s (`%s`): %s." % (p, e["source_lines"][p], e[k]))
    if e["devices"]:
        s.append("  Devices: %s." % e["devices"])
    if e["notes"]:
        s.append("  Note: %s." % e["notes"])
    pl = e["plugin"]
    s.append("  Plugin: %s." % ("named \"%s\", %s" % (pl["name"], "decoded" if pl["decoded"] else "not decoded")
                                if pl["name"] else "not named"))
    x = e["example"]
    if x:
        s.append("  Example: %s %s line %d, `%s`, advertiser %s, service data `%s`%s; "
                 "objects %s." % (x["source"], x["file"], x["line"], x["test"], x["address"],
                                  x["service_data"],
                                  ", bindkey `%s`" % x["bindkey"] if x["bindkey"] else "",
                                  ", ".join("%s=`%s`" % (ob["id"], ob["value"]) for ob in x["objects"])))
    return "\n".join(s)


if __name__ == "__main__":
    sys.exit(main())
