#!/usr/bin/env python3
"""python-miio client for test captures: makes the calls given as JSON and
writes what the client saw, one call a line (the capture's truth file).

  python_client.py IP TOKEN CALLS_JSON TRUTH_OUT [--append] [--timeout SECONDS]
CALLS_JSON: [["method", [params...]], ...]
"""
import json
import sys

from miio import Device
from miio.exceptions import DeviceError


def main():
    ip, token, calls, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    mode = "a" if "--append" in sys.argv else "w"
    timeout = float(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 5
    dev = Device(ip, token, timeout=timeout)
    with open(out, mode) as f:
        for method, params in calls:
            line = {"ip": ip, "method": method, "params": params}
            try:
                line["result"] = dev.send(method, params)
            except DeviceError as e:
                line["error"] = e.args[0] if e.args else str(e)
            except Exception as e:  # e.g. a reply python-miio cannot parse
                line["failure"] = f"{type(e).__name__}: {e}"
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
