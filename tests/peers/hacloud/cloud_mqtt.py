#!/usr/bin/env python3
"""The Xiaomi Home cloud's side of its MQTT service, for test captures: a
paho-mqtt client (MQTT 5) on the broker's internal plaintext listener
(fixtures.CLOUD_INTERNAL_ADDR:1883, outside the capture, as the cloud's own
links are outside a user's) publishing what the cloud publishes to a Home
Assistant that subscribed: fixtures.PUSHES, properties_changed,
event_occured and state messages as compact JSON, QoS 1, in order, each
acknowledged by the broker before the next. One JSON line per message goes
to --truth.

  cloud_mqtt.py --truth FILE [--gap SECONDS]
"""
import argparse
import json
import os
import sys
import threading
import time

import paho.mqtt.client as paho

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fixtures as F  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--gap", type=float, default=0.15)
    args = ap.parse_args()
    out = open(args.truth, "a", encoding="utf-8")
    connected = threading.Event()
    cli = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="miot-cloud-pubsub", protocol=paho.MQTTv5)
    cli.username_pw_set(F.CLOUD_MQTT_USER, F.CLOUD_MQTT_PASSWORD)
    cli.on_connect = lambda c, u, flags, rc, props: connected.set()
    cli.connect(F.CLOUD_INTERNAL_ADDR, 1883, keepalive=60, bind_address=F.CLOUD_INTERNAL_ADDR)
    cli.loop_start()
    if not connected.wait(10):
        sys.exit("cloud_mqtt.py: no CONNACK")
    for seq, (topic, payload) in enumerate(F.PUSHES, 1):
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        info = cli.publish(topic, text.encode("utf-8"), qos=1)
        info.wait_for_publish(10)
        out.write(json.dumps({"seq": seq, "kind": "publish", "topic": topic, "qos": 1, "payload": text},
                             ensure_ascii=False) + "\n")
        out.flush()
        time.sleep(args.gap)
    cli.disconnect()
    cli.loop_stop()


if __name__ == "__main__":
    main()
