#!/usr/bin/env python3
"""The zhimi.airp.rmb1 the Xiaomi Home cloud lists, answering miIO locally
(fixtures.PURIFIER_ADDR:54321) with the token the cloud's device_list_page
gave: tests/peers/responder.py's Device (python-miio's own framing and
crypto) with this purifier's answers: miIO.info with its model, MAC and
address; get_properties with the values the cloud reports
(fixtures.PROPERTY_VALUES), set_properties and action answered code 0.
Stops on SIGTERM.

  device.py
"""
import os
import select
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import fixtures as F  # noqa: E402
from responder import Device  # noqa: E402


class Purifier(Device):
    def result_for(self, method, params):
        if method == "miIO.info":
            return {"result": {
                "life": 86400, "model": "zhimi.airp.rmb1", "token": self.token.hex(), "fw_ver": "4.2.4_0021",
                "hw_ver": "esp32", "mac": F.PURIFIER_MAC, "miio_ver": "0.0.9", "uid": F.USER_ID,
                "ap": {"ssid": "HomeNet", "bssid": "AA:BB:CC:DD:EE:FF", "rssi": -52, "primary": 6},
                "netif": {"localIp": self.ip, "mask": "255.255.255.0", "gw": "127.0.0.1"}}}
        if method == "get_properties":
            out = []
            for p in params:
                key = (F.PURIFIER_DID, p.get("siid"), p.get("piid"))
                if key in F.PROPERTY_VALUES:
                    out.append({"did": p.get("did"), "siid": p.get("siid"), "piid": p.get("piid"), "code": 0,
                                "value": F.PROPERTY_VALUES[key]})
                else:
                    out.append({"did": p.get("did"), "siid": p.get("siid"), "piid": p.get("piid"), "code": -4003})
            return {"result": out}
        if method == "action":
            return {"result": {"did": params.get("did"), "miid": 0, "siid": params.get("siid"),
                               "aiid": params.get("aiid"), "code": 0, "out": []}}
        return super().result_for(method, params)


def main():
    dev = Purifier("%s:%08x:%s" % (F.PURIFIER_ADDR, int(F.PURIFIER_DID), F.PURIFIER_TOKEN))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([dev.sock], [], [], 1.0)
        if readable:
            data, addr = dev.sock.recvfrom(65535)
            dev.handle(data, addr)


if __name__ == "__main__":
    main()
