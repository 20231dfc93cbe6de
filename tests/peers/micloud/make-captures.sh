#!/usr/bin/env bash
# Makes the Mi Home cloud API captures tests/captures/micloud-*: micloud 0.6's
# own client (client.py) against the stand-in HTTPS server (server.py) on
# 127.0.0.1:443 with the real host names, then python-miio 0.5.12 against
# tests/peers/responder.py with the token the cloud listed; captured by tshark
# on lo, TLS secrets from the client's SSLKEYLOGFILE. Checks every capture with
# decode.py --check, which also writes micloud-*.expected.jsonl.
# Needs root (capture on lo, port 443) and PyPI for the peers' venv.
#   tests/peers/micloud/make-captures.sh [NAME...]   (micloud-chain, micloud-no-login, micloud-row,
#                                                     micloud-h2; default: all)
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${MIIO_CAPTURES_DIR:-$here/../../captures}" && pwd)
peers=${MICLOUD_PEERS_DIR:-/opt/micloud-peers}
work="$peers/work"

mkdir -p "$peers" "$work"
if [ ! -x "$peers/venv/bin/python" ]; then
  python3 -m venv "$peers/venv"
  "$peers/venv/bin/pip" install -q micloud==0.6 python-miio==0.5.12 requests==2.34.2 urllib3==2.8.0 \
    cryptography==50.0.2 "httpx[http2]==0.29.0" h2==4.4.1
fi
py="$peers/venv/bin/python"
[ -f "$here/cert.pem" ] && [ -f "$here/key.pem" ] ||
  "$py" "$here/../gen-cert.py" "$here" api.io.mi.com account.xiaomi.com sts.api.io.mi.com "*.api.io.mi.com"

# Fixed values, the same as server.py's fixtures.
username=miio-tester@example.com
password=not-a-real-password-42
user_id=6183746251
service_token_no_login='nQ4xT1pL8cV6bZ3mK0wR7yH2jD5gF9sA4eU1iO6qW3tY8uX0vC2nB7mN5zL9kJ1hG4fD6sA8pO3iU5yT7rE2wQ9aS1dF3gH5jK7lZ0xC2vB4nM6qW8eR1tY3uI5oP7aS9dF0gH2jK4lZ6xC8vB1nM3qW5eR7tY9='
ssecurity_no_login='xOKgbxjTW5fh8KK0xtjg8g=='
plug=127.0.0.5:1a2b3c4d:6a3c9e1f7b2d4805c1e3a5b7d9f0e2c4   # did 439041101

# On any failure, stop what this script started (by pid) before exiting.
tshark_pid= server_pid= responder_pid=
cleanup() {
  local pid
  for pid in $responder_pid $server_pid $tshark_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'status=$?; [ $status -eq 0 ] || { echo "make-captures.sh: failed" >&2; cleanup; }' EXIT

start_capture() {
  rm -f "$out/$1.pcapng"
  tshark -q -i lo -f "tcp port 443 or udp port 54321" -w "$out/$1.pcapng" 2>"$work/tshark.err" &
  tshark_pid=$!
  for _ in $(seq 50); do grep -q "Capturing on" "$work/tshark.err" 2>/dev/null && break; sleep 0.1; done
}
stop_capture() { sleep 0.5; kill -TERM "$tshark_pid"; wait "$tshark_pid" || true; tshark_pid=; }
start_server() {
  : >"$work/server.jsonl"
  "$py" "$here/server.py" --truth "$work/server.jsonl" "$@" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 50); do grep -q ready "$work/server.out" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$work/server.out" || { cat "$work/server.err"; exit 1; }
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=; }
start_device() {
  "$py" "$here/../responder.py" --device "$plug" >"$work/responder.out" &
  responder_pid=$!
  for _ in $(seq 50); do grep -q ready "$work/responder.out" 2>/dev/null && break; sleep 0.1; done
}
stop_device() { kill -TERM "$responder_pid"; wait "$responder_pid" || true; responder_pid=; }
# finish NAME: the truth file is the server's lines (one per HTTP exchange),
# then the client's (what micloud and python-miio returned).
# Further arguments go to decode.py (--ssecurity S: the configured one).
finish() {
  local name=$1; shift
  cat "$work/server.jsonl" "$work/client.jsonl" >"$out/$name.truth.jsonl"
  cp "$work/keys" "$out/$name.keys"
  "$py" "$here/decode.py" "$@" "$out/$name.pcapng"             # writes $name.expected.jsonl
  "$py" "$here/decode.py" "$@" --check --quiet "$out/$name.pcapng"
}
fresh() { rm -f "$work/keys" "$work/client.jsonl"; export SSLKEYLOGFILE="$work/keys"; }

# 1. Login (serviceLogin, serviceLoginAuth2 with the ssecurity, the STS GET
#    setting serviceToken), device_list, blt_get_beaconkey, miotspec/prop/get,
#    home/rpc on de.api.io.mi.com; then miIO.info and get_prop to the listed
#    plug at 127.0.0.5 with the token from the device list.
micloud-chain() {
  fresh
  start_capture micloud-chain
  start_server
  start_device
  "$py" "$here/client.py" --username "$username" --password "$password" --country de \
    --out "$work/client.jsonl" --local
  stop_device; stop_server; stop_capture
  finish micloud-chain
}

# 2. The same API calls on api.io.mi.com (country cn) without a login: the
#    client is given userId, serviceToken and ssecurity (another user session
#    than the chain's), so only a configured ssecurity (or the one micloud
#    sends in clear in every form) decrypts them.
micloud-no-login() {
  fresh
  start_capture micloud-no-login
  start_server
  "$py" "$here/client.py" --user-id "$user_id" --service-token "$service_token_no_login" \
    --ssecurity "$ssecurity_no_login" --country cn --out "$work/client.jsonl"
  stop_server; stop_capture
  finish micloud-no-login
}

# 3. HTTP/2: httpx with h2 (h2client.py; micloud's own miutils for the crypto)
#    on one connection to sg.api.io.mi.com, against server.py --h2, the
#    no-login session's ssecurity; calls 3 and 4 without the ssecurity that
#    generate_enc_params adds in clear (they decrypt with a configured one only).
micloud-h2() {
  fresh
  start_capture micloud-h2
  start_server --h2
  "$py" "$here/h2client.py" --user-id "$user_id" --service-token "$service_token_no_login" \
    --ssecurity "$ssecurity_no_login" --country sg --out "$work/client.jsonl" --no-clear-ssecurity-from 3
  stop_server; stop_capture
  finish micloud-h2 --ssecurity "$ssecurity_no_login"
}

# 4. As 3, but no call sends the ssecurity in clear, as the app does not:
#    only a configured ssecurity (a miio_keys row) decrypts anything.
micloud-row() {
  fresh
  start_capture micloud-row
  start_server --h2
  "$py" "$here/h2client.py" --user-id "$user_id" --service-token "$service_token_no_login" \
    --ssecurity "$ssecurity_no_login" --country sg --out "$work/client.jsonl" --no-clear-ssecurity-from 1
  stop_server; stop_capture
  finish micloud-row --ssecurity "$ssecurity_no_login"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(micloud-chain micloud-no-login micloud-h2 micloud-row)
for name in "${names[@]}"; do
  echo "== $name"
  "$name"
done
