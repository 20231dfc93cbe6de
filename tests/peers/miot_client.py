#!/usr/bin/env python3
"""python-miio 0.6.0.dev0 MIoT client for test captures: drives python-miio's
own `GenericMiot` (miio.integrations.genericmiot, a `MiotDevice`) with the
calls given as JSON and writes what the client saw, one miIO request a line
(the capture's truth file).

  miot_client.py IP TOKEN SPEC_FILE CALLS_JSON TRUTH_OUT [--model MODEL] [--append]
                 [--timeout SECONDS]

CALLS_JSON: [["NAME", [args...]], ...], NAME a method of GenericMiot /
MiotDevice, e.g. ["info", []], ["status", []], ["get_property_by", [2, 4]],
["set_property_by", [2, 4, 2]], ["call_action_by", [4, 1, [500]]], or
["send", ["miIO.sub", {...}]] for a raw request.

SPEC_FILE (a miot-spec instance JSON) is put where python-miio 0.6 keeps its
spec cache (a private XDG_CACHE_HOME: python-miio/<model>.json), so GenericMiot
finds the spec without network access. Without --model, GenericMiot asks the
device for its model (miIO.info) before the first MIoT call; with --model the
model is configured and no miIO.info is sent.

A truth line per miIO request (`Device.send`): "ip", "call" (the NAME),
"args", "method", "params", and "result" or "error" (the device's error
object, as python-miio's DeviceError carries it) or "failure". One high-level
call may send several requests (`status` fetches every readable property, ten
per get_properties request); each gets its own line.
"""
import argparse
import json
import os
import shutil
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ip")
    ap.add_argument("token")
    ap.add_argument("spec")
    ap.add_argument("calls", type=json.loads)
    ap.add_argument("out")
    ap.add_argument("--model")
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--timeout", type=float, default=5)
    args = ap.parse_args()

    cache = tempfile.mkdtemp(prefix="miot-client-cache.")
    os.environ["XDG_CACHE_HOME"] = cache  # read by appdirs in MiotCloud()

    from miio.exceptions import DeviceError
    from miio.integrations.genericmiot.genericmiot import GenericMiot

    dev = GenericMiot(args.ip, args.token, timeout=args.timeout, model=args.model)
    lines = []
    current = {}
    original_send = dev.send

    def recording_send(command, parameters=None, retry_count=None, **kwargs):
        line = {"ip": args.ip, "call": current["name"], "args": current["args"],
                "method": command, "params": parameters}
        lines.append(line)
        try:
            result = original_send(command, parameters, retry_count, **kwargs)
        except DeviceError as e:
            line["error"] = e.args[0] if e.args else str(e)
            raise
        except Exception as e:
            line["failure"] = f"{type(e).__name__}: {e}"
            raise
        line["result"] = result
        return result

    dev.send = recording_send

    # The spec goes into python-miio's cache under the model name, which is
    # only known after miIO.info when no model is configured: give the cache
    # lookup the file when it asks for it.
    import miio.miot_cloud as miot_cloud

    original_from_cache = miot_cloud.MiotCloud._file_from_cache

    def file_from_cache(self, file, cache_hours=6):
        if not file.exists() and file.name != miot_cloud.MiotCloud.MODEL_MAPPING_FILE:
            file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(args.spec, file)
        return original_from_cache(self, file, cache_hours)

    miot_cloud.MiotCloud._file_from_cache = file_from_cache

    try:
        for name, call_args in args.calls:
            current["name"], current["args"] = name, call_args
            before = len(lines)
            try:
                getattr(dev, name)(*call_args)
            except Exception as e:  # recorded on the request's line
                if len(lines) == before:
                    lines.append({"ip": args.ip, "call": name, "args": call_args,
                                  "failure": f"{type(e).__name__}: {e}"})
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        with open(args.out, "a" if args.append else "w") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
