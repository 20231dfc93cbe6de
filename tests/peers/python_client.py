#!/usr/bin/env python3
"""python-miio client for test captures: makes the calls given as JSON and
writes what the client saw, one call a line (the capture's truth file).

  python_client.py IP TOKEN CALLS_JSON TRUTH_OUT [--append] [--timeout SECONDS]
                   [--source-port CALL_INDEX:PORT]... [--handshake-then-wait FILE]
                   [--retry-count [CALL_INDEX:]N]... [--pause CALL_INDEX:SECONDS]...
CALLS_JSON: [["method", [params...]], ...]

--source-port N:PORT (repeatable; calls count from 1): every UDP socket
python-miio creates during call N (0.5.12 makes a new one for each handshake
and each request) is bound to source port PORT (SO_REUSEADDR), so the call's
hellos and request leave from that port; other calls use ordinary ephemeral
ports. Truth lines of such calls carry "source_port".

--handshake-then-wait FILE: first do python-miio's own handshake
(MiIOProtocol.send_handshake, three hellos), print "handshaken", then wait
until FILE exists before making the calls (lazy discovery: no new hello), so
a capture can be started after the hello exchange.

--retry-count N: passed to Device.send(..., retry_count=N) for every call
(python-miio's default is 3); --retry-count CALL_INDEX:N sets it for that call
only, over the plain N. Truth lines of calls with a retry count set carry
"retry_count".

--pause CALL_INDEX:SECONDS (repeatable): sleep that long right before call N
(after the previous call's truth line is written). Truth lines of such calls
carry "pause".
"""
import argparse
import json
import os
import socket
import sys
import time

import miio.miioprotocol
from miio import Device
from miio.exceptions import DeviceError


class _FixedPortSockets:
    """Stands in for the `socket` module inside miio.miioprotocol: sockets it
    creates are bound to one source port."""

    def __init__(self, port):
        self._port = port

    def __getattr__(self, name):
        return getattr(socket, name)

    def socket(self, *args, **kwargs):
        s = socket.socket(*args, **kwargs)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", self._port))
        return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ip")
    ap.add_argument("token")
    ap.add_argument("calls", type=json.loads)
    ap.add_argument("out")
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--source-port", action="append", default=[], metavar="CALL_INDEX:PORT")
    ap.add_argument("--handshake-then-wait", metavar="FILE")
    ap.add_argument("--retry-count", action="append", default=[], metavar="[CALL_INDEX:]N")
    ap.add_argument("--pause", action="append", default=[], metavar="CALL_INDEX:SECONDS")
    args = ap.parse_args()
    ports = {int(i): int(p) for i, p in (s.split(":") for s in args.source_port)}
    retries = {int(i): int(n) for i, n in (s.split(":") for s in args.retry_count if ":" in s)}
    all_retries = [int(s) for s in args.retry_count if ":" not in s]
    pauses = {int(i): float(t) for i, t in (s.split(":") for s in args.pause)}

    dev = Device(args.ip, args.token, timeout=args.timeout)
    if args.handshake_then_wait:
        dev._protocol.send_handshake()
        print("handshaken", flush=True)
        while not os.path.exists(args.handshake_then_wait):
            time.sleep(0.05)
    with open(args.out, "a" if args.append else "w") as f:
        for index, (method, params) in enumerate(args.calls, 1):
            line = {"ip": args.ip, "method": method, "params": params}
            retry_count = retries.get(index, all_retries[-1] if all_retries else None)
            if retry_count is not None:
                line["retry_count"] = retry_count
            if index in pauses:
                line["pause"] = pauses[index]
                f.flush()
                time.sleep(pauses[index])
            if index in ports:
                line["source_port"] = ports[index]
                miio.miioprotocol.socket = _FixedPortSockets(ports[index])
            try:
                line["result"] = dev.send(method, params, retry_count)
            except DeviceError as e:
                line["error"] = e.args[0] if e.args else str(e)
            except Exception as e:  # e.g. a reply python-miio cannot parse
                line["failure"] = f"{type(e).__name__}: {e}"
            finally:
                miio.miioprotocol.socket = socket
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
