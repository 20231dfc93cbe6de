#!/usr/bin/env bash
# Makes tests/captures/http80-plain.pcapng: plain HTTP on TCP port 80 with no
# miIO in it (serve-and-fetch.py), captured on lo. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../captures/http80-plain.pcapng"
tshark -q -i lo -f "host 127.0.0.60 and tcp port 80" -w "$out" 2>/dev/null &
pid=$!
sleep 2
python3 "$here/serve-and-fetch.py"
sleep 1
kill -INT "$pid"
wait "$pid" || true
capinfos -c "$out"
