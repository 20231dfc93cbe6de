#!/usr/bin/env python3
"""mDNS for the mdns-miio capture, with python-zeroconf (PyPI `zeroconf`).

  mdns.py announce NAME    a device of fixtures.MDNS_DEVICES registers
                           _miio._udp.local as real firmware announces itself:
                           instance and host "<model, '.'->'-'>_miio<did>",
                           SRV port 54321, A = its address, TXT "epoch=1",
                           "mac=<12 hex>" (or, for the gateway, the broken TXT
                           rdata given as raw bytes: zeroconf sends them as
                           they are). Runs until SIGTERM, then unregisters
                           (zeroconf's goodbye, TTL 0) and exits.
  mdns.py browse client    Home Assistant's side: a ServiceBrowser for
                           _miio._udp.local at 127.0.0.50; for every instance
                           it sees, the ServiceInfo zeroconf resolved and what
                           HA's xiaomi_miio config flow takes from it (mac
                           from TXT "mac", or from the broken "poch" key).
                           Exits when all three are seen (or after 15 s).

Truth lines (JSON, one a line) go to stdout.
"""
import json
import os
import re
import signal
import socket
import sys
import threading
import time

from zeroconf import ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures as F  # noqa: E402

TYPE = "_miio._udp.local."


def emit(**line):
    print(json.dumps({"t": round(time.time(), 6), **line}), flush=True)


def text(b):
    return None if b is None else b.decode("utf-8", "backslashreplace")


def announce(name):
    d = F.MDNS_DEVICES[name]
    label = F.mdns_name(d["model"], d["did"])
    props = d["txt_raw"] if "txt_raw" in d else d["txt"]
    info = ServiceInfo(TYPE, "%s.%s" % (label, TYPE), addresses=[socket.inet_aton(d["ip"])], port=54321,
                       properties=props, server=label + ".local.")
    zc = Zeroconf(interfaces=[d["ip"]])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    zc.register_service(info)
    emit(side="device", device=name, kind="mdns_registered", type=TYPE, instance=info.name, server=info.server,
         address=d["ip"], port=info.port, did=d["did"], model=d["model"], mac=d["mac"],
         txt_rdata_hex=info.text.hex(), txt_given=(text(props) if isinstance(props, bytes) else props),
         txt_handmade_rdata=isinstance(props, bytes), host_ttl=info.host_ttl, other_ttl=info.other_ttl)
    stop.wait()
    zc.unregister_service(info)
    emit(side="device", device=name, kind="mdns_unregistered", instance=info.name)
    zc.close()


def ha_mac(properties):
    """Home Assistant xiaomi_miio config flow (async_step_zeroconf): the TXT
    "mac", else the "mac=..." inside a "poch" value."""
    mac = properties.get("mac")
    if mac is None:
        m = re.search(r"mac=\w+", properties.get("poch") or "")
        if m:
            mac = m.group(0).split("=")[1]
    return mac


def browse():
    zc = Zeroconf(interfaces=[F.HA_ADDR])
    seen = {}
    done = threading.Event()

    def on_change(zeroconf, service_type, name, state_change):
        emit(side="client", kind="mdns_browser_event", name=name, state=state_change.name)
        if state_change is not ServiceStateChange.Added or name in seen:
            return
        seen[name] = None
        info = zeroconf.get_service_info(service_type, name, timeout=3000)
        if info is None:
            emit(side="client", kind="mdns_seen", name=name, resolved=False)
            return
        props = {text(k): text(v) for k, v in info.properties.items()}
        label = name[: -len(TYPE) - 1]
        m = re.fullmatch(r"(.+)_miio(\d+)", label)
        emit(side="client", kind="mdns_seen", name=name, resolved=True, server=info.server,
             addresses=info.parsed_addresses(), port=info.port, txt_rdata_hex=info.text.hex(),
             properties=props, ha_mac=ha_mac(props),
             name_model=m.group(1).replace("-", ".") if m else None, name_did=int(m.group(2)) if m else None)
        if len(seen) >= len(F.MDNS_DEVICES):
            done.set()

    browser = ServiceBrowser(zc, TYPE, handlers=[on_change])
    done.wait(15)
    time.sleep(0.5)
    browser.cancel()
    zc.close()


def main():
    if sys.argv[1] == "announce":
        announce(sys.argv[2])
    elif sys.argv[1] == "browse":
        browse()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
