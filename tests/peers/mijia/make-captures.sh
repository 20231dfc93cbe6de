#!/usr/bin/env bash
# Makes the mijiaAPI captures tests/captures/mijia-*: mijiaAPI 5.0's own
# public API (client.py) against the stand-in HTTPS server (server.py), each
# host name on its own loopback address 127.0.0.32-37 port 443 (server.py's
# HOSTS), real host names in URLs, Host headers and SNI; captured by tshark on
# lo (filter "net 127.0.0.32/29 and tcp port 443"), TLS secrets from the
# client's SSLKEYLOGFILE. Checks every capture with decode.py --check, which
# also writes mijia-*.expected.jsonl. Then writes the gzip-bomb sample.
# Needs root (capture on lo, port 443) and PyPI for the peers' venv.
#   tests/peers/mijia/make-captures.sh [NAME...]   (mijia-qr-chain, mijia-no-login,
#                                                   mijia-gzip-bomb; default: all)
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${MIIO_CAPTURES_DIR:-$here/../../captures}" && pwd)
peers=${MIJIA_PEERS_DIR:-/opt/mijia-peers}
work="$peers/work"

mkdir -p "$peers" "$work"
if [ ! -x "$peers/venv/bin/python" ]; then
  python3 -m venv "$peers/venv"
  "$peers/venv/bin/pip" install -q mijiaapi==5.0.0 requests==2.34.2 urllib3==2.8.0 pycryptodome==4.5.0 \
    qrcode==8.2 tzlocal==5.4.5 pillow==13.0.0 cryptography==50.0.2
fi
py="$peers/venv/bin/python"
[ -f "$here/cert.pem" ] && [ -f "$here/key.pem" ] ||
  "$py" "$here/../gen-cert.py" "$here" api.mijia.tech sts.api.mijia.tech account.xiaomi.com "*.lp.account.xiaomi.com" miot-spec.org

# On any failure, stop what this script started (by pid) before exiting.
tshark_pid= server_pid= capture=
cleanup() {
  local pid
  for pid in $server_pid $tshark_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'status=$?; [ $status -eq 0 ] || { echo "make-captures.sh: failed" >&2; cleanup; }' EXIT

start_capture() {
  capture="$out/$1.pcapng"
  rm -f "$capture"
  tshark -q -i lo -f "net 127.0.0.32/29 and tcp port 443" -w "$out/$1.pcapng" 2>"$work/tshark.err" &
  tshark_pid=$!
  for _ in $(seq 50); do grep -q "Capturing on" "$work/tshark.err" 2>/dev/null && break; sleep 0.1; done
}
stop_capture() {
  sleep 0.5; kill -TERM "$tshark_pid"; wait "$tshark_pid" || true; tshark_pid=
  chmod 644 "$capture"
}
start_server() {
  : >"$work/server.jsonl"
  "$py" "$here/server.py" --truth "$work/server.jsonl" "$@" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 50); do grep -q ready "$work/server.out" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$work/server.out" || { cat "$work/server.err"; exit 1; }
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=; }
# finish NAME: the truth file is the server's lines (one per HTTP exchange),
# then the client's (what mijiaAPI sent and got, and its calls' results).
finish() {
  local name=$1; shift
  cat "$work/server.jsonl" "$work/client.jsonl" >"$out/$name.truth.jsonl"
  cp "$work/keys" "$out/$name.keys"
  "$py" "$here/decode.py" "$@" "$out/$name.pcapng"             # writes $name.expected.jsonl
  "$py" "$here/decode.py" "$@" --check --quiet "$out/$name.pcapng"
}
fresh() {
  rm -rf "$work/keys" "$work/client.jsonl" "$work/auth"
  export SSLKEYLOGFILE="$work/keys"
}

# 1. QR-code login (serviceLogin, longPolling/loginUrl, the long poll held
#    until the code is "scanned", the location callback setting serviceToken),
#    then with the long poll's ssecurity: check_new_msg, homes, devices of both
#    homes (a 13 KB list), prop/get of 4 devices, prop/set, two actions,
#    scenes and a scene run, all with gzip-compressed replies; last a prop/get
#    without `miot-accept-encoding`, answered uncompressed.
mijia-qr-chain() {
  fresh
  start_capture mijia-qr-chain
  start_server
  "$py" "$here/client.py" qr-chain --auth-dir "$work/auth" --out "$work/client.jsonl" >"$work/client.out"
  stop_server; stop_capture
  finish mijia-qr-chain
}

# 2. No login: mijiaAPI starts from a saved auth.json (no-login-auth.json,
#    another session than the chain's); only the ssecurity mijiaAPI sends in
#    clear in every form, or a configured one, decrypts it. mijiaDevice
#    (device list, the spec from miot-spec.org, get/set/action by name),
#    statistics, consumables, then the shared-device list uncompressed (a
#    ~23 KB body in two TLS records).
mijia-no-login() {
  fresh
  start_capture mijia-no-login
  start_server
  "$py" "$here/client.py" no-login --auth-dir "$work/auth" --saved-auth "$here/no-login-auth.json" \
    --out "$work/client.jsonl" >"$work/client.out"
  stop_server; stop_capture
  finish mijia-no-login --ssecurity "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["ssecurity"])' \
    "$here/no-login-auth.json")"
}

# 3. Not a capture: an RC4-encrypted reply body whose plaintext is a gzip
#    stream that inflates past 64 MiB, for the decompression cap's test.
mijia-gzip-bomb() {
  "$py" "$here/gzip-bomb.py" --out "$out"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(mijia-qr-chain mijia-no-login mijia-gzip-bomb)
for name in "${names[@]}"; do
  echo "== $name"
  "$name"
done
