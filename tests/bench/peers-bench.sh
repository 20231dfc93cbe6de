#!/usr/bin/env bash
# CPU time (user+sys) of the peer miIO decoders relative to bare tshark, on
# one capture, as ratios measured in one run (medians of RUNS interleaved runs;
# never a timed assertion). The plugin's own ratios are tshark-bench.sh's.
#   - bare tshark, this plugin loaded but disabled (-T fields -e udp.payload; -V);
#   - the fishsugar Lua dissector (-T fields -e miio.data; -V), run with no
#     binary plugin at all: both register a protocol named "miio", so with
#     this plugin loaded (even disabled) the Lua file fails to load;
#   - python-miio 0.6.0.dev0's `miiocli devtools parse-pcap` (needs pcap).
# Each peer is first checked to decrypt (count printed); one that decrypts
# nothing is reported as failed and not timed.
#
# fishsugar: https://github.com/fishsugar/miio-dissector, miio.lua (measured at
# commit 0e780b1eae4d3c9cd02185615bf7aaaff8bb5d27) and its libs/md5.lua
# (kikito/md5.lua). It has no licence file, so it is not vendored here: point
# FISHSUGAR_LUA at miio.lua in a checkout; unset, that row is skipped. It needs
# Wireshark 4.6 (Pref.uat, GcryptCipher); tests/peers/bench/fishsugar-compat.lua
# fills those in on older ones (needs lua-luaossl) without touching the file.
#
#   tests/bench/peers-bench.sh           (11 doublings: 53,248 frames, 3 runs)
#   DOUBLINGS=7 RUNS=1 tests/bench/peers-bench.sh     (quick smoke)
#   PLUGIN_SO=target/release/libmiio_dissector.so ... (skip cargo build)
#   FISHSUGAR_LUA=/path/to/miio-dissector/miio.lua ...
set -euo pipefail
source "$(dirname "$0")/../lib/sandbox.sh"
doublings=${DOUBLINGS:-11}
runs=${RUNS:-3}
token=3f4a1c2b9d8e7f60112233445566aa01
failed=0

sandbox_init "${PLUGIN_SO:-}"
# python-miio's parser reads classic pcap only; every run reads this file.
pcap="$sandbox/corpus.pcap"
bench_corpus "$doublings" "$pcap"
frames=$(capinfos -c -M "$pcap" | awk '/Number of packets/ {print $NF}')
# Encrypted = a payload after the 32-byte header (UDP length > 8 + 32).
encrypted=$(as_user tshark -r "$pcap" --disable-protocol miio -Y 'udp.length > 40' -T fields -e frame.number | wc -l)

# fishsugar runs get a HOME of their own, without this plugin, holding the
# token in the UAT file its Pref.uat names (miio_device_tokens).
lua_home="$sandbox/lua"
fishsugar=""
if [ -z "${FISHSUGAR_LUA:-}" ]; then
  fishsugar_skip="skipped: set FISHSUGAR_LUA to miio.lua of a fishsugar/miio-dissector checkout"
elif [ ! -f "$FISHSUGAR_LUA" ] || [ ! -f "$(dirname "$FISHSUGAR_LUA")/libs/md5.lua" ]; then
  fishsugar_skip="skipped: $FISHSUGAR_LUA or libs/md5.lua beside it is missing"
else
  mkdir -p "$lua_home/.config/wireshark" "$lua_home/no-global-plugins" "$lua_home/fishsugar/libs"
  cp "$FISHSUGAR_LUA" "$lua_home/fishsugar/miio.lua"
  cp "$(dirname "$FISHSUGAR_LUA")/libs/md5.lua" "$lua_home/fishsugar/libs/"
  cp "$project_root/tests/peers/bench/fishsugar-compat.lua" "$lua_home/"
  printf '"0x0a1b2c3d","%s"\n' "$token" > "$lua_home/.config/wireshark/miio_device_tokens"
  chmod -R a+rwX "$lua_home"
  fishsugar="-X lua_script:$lua_home/fishsugar-compat.lua"
fi
lua_user() { FISHSUGAR_LUA="$lua_home/fishsugar/miio.lua" sandbox="$lua_home" as_user "$@"; }

# python-miio 0.6.0.dev0 (a pre-release on PyPI; 0.5.12 has no devtools):
# make-captures.sh's venv if there, else one under target/. Plus dpkt.
venv=${MIIO_PEERS_DIR:-/opt/miio-peers}/venv06
has_parser() { [ -x "$1/bin/python" ] && "$1/bin/python" -c 'import miio.devtools.pcapparser' 2>/dev/null; }
if ! has_parser "$venv"; then
  venv="$project_root/target/peers-bench-venv06"
  if ! has_parser "$venv"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --pre python-miio==0.6.0.dev0
  fi
fi
"$venv/bin/python" -c 'import dpkt' 2>/dev/null || "$venv/bin/pip" install -q dpkt==1.9.8

# The run kinds: kind_NAME runs one, its stdout to the caller, under TIME.
TIME=(/usr/bin/time -f "%U %S %M" -o "$sandbox/time")
kind_bare()     { as_user "${TIME[@]}" tshark -r "$pcap" --disable-protocol miio -T fields -e udp.payload; }
kind_bare_V()   { as_user "${TIME[@]}" tshark -r "$pcap" --disable-protocol miio -V; }
# shellcheck disable=SC2086 # $fishsugar is the -X option, split on purpose
kind_lua()      { lua_user "${TIME[@]}" tshark -r "$pcap" $fishsugar -T fields -e miio.data; }
# shellcheck disable=SC2086
kind_lua_V()    { lua_user "${TIME[@]}" tshark -r "$pcap" $fishsugar -V; }
kind_pcapparser() { "${TIME[@]}" "$venv/bin/miiocli" devtools parse-pcap "$pcap" "$token"; }

# Decryption checks (untimed). fishsugar's miio.data holds "" (its text is in
# the tree only), so count frames where it handed the plaintext to the JSON
# dissector, which it does only when the plaintext starts with '{'.
kinds=(bare bare_V)
if [ -n "$fishsugar" ]; then
  # shellcheck disable=SC2086
  lua_decrypted=$( (lua_user tshark -r "$pcap" $fishsugar -Y 'miio.data and json' -T fields -e frame.number || true) 2>"$sandbox/lua.err" | wc -l)
  if [ "$lua_decrypted" -gt 0 ]; then kinds+=(lua lua_V)
  else fishsugar_skip="FAILED: decrypted 0 of $encrypted frames: $(grep -m2 . "$sandbox/lua.err" | tr "\n" " " || true)"; failed=1; fi
fi
# parse-pcap prints one "src -> dst payload" line per decrypted non-empty frame.
py_decrypted=$( (kind_pcapparser || true) 2>"$sandbox/py.err" | grep -cE '^[0-9.]+ +-> ' || true)
if [ "$py_decrypted" -gt 0 ]; then kinds+=(pcapparser)
else py_fail="FAILED: decrypted 0 of $encrypted frames: $(grep -m2 . "$sandbox/py.err" | tr "\n" " " || true)"; failed=1; fi

# Interleaved: each round runs every kind once, so drift hits all alike.
for _ in $(seq 1 "$runs"); do
  for k in "${kinds[@]}"; do
    rm -f "$sandbox/time" # written by root or by nobody, run by run
    "kind_$k" >/dev/null 2>&1
    awk '{print $1 + $2, $3}' "$sandbox/time" >> "$sandbox/$k.samples"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for k in "${kinds[@]}"; do
  eval "cpu_$k=$(cut -d' ' -f1 "$sandbox/$k.samples" | median)"
  eval "rss_$k=$(cut -d' ' -f2 "$sandbox/$k.samples" | median)"
done

version=$(tshark --version 2>/dev/null | head -1 | awk '{print $3}')
echo "peers-bench: $frames frames ($encrypted encrypted), median of $runs runs, TShark $version, $(nproc) cores"
line() { # line NAME LABEL: CPU seconds and peak RSS of one kind
  local cpu=cpu_$1 rss=rss_$1
  printf '  %-40s %7.2f s CPU  %7d KiB\n' "$2" "${!cpu}" "${!rss}"
}
line bare "bare tshark -T fields -e udp.payload"
line bare_V "bare tshark -V"
if [[ " ${kinds[*]} " == *" lua "* ]]; then
  line lua "fishsugar Lua -T fields -e miio.data"
  line lua_V "fishsugar Lua -V"
fi
if [ -z "${py_fail:-}" ]; then line pcapparser "python-miio parse-pcap"; fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "ratios (CPU user+sys):"
if [[ " ${kinds[*]} " == *" lua "* ]]; then
  printf '  %-48s %6sx  (decrypted %d frames)\n' "fishsugar Lua, -T fields / bare tshark:" "$(ratio "$cpu_lua" "$cpu_bare")" "$lua_decrypted"
  printf '  %-48s %6sx\n' "fishsugar Lua, -V / bare tshark -V:" "$(ratio "$cpu_lua_V" "$cpu_bare_V")"
  case $version in 4.[0-5].*|3.*) echo "    (Wireshark < 4.6: Pref.uat and GcryptCipher filled in by tests/peers/bench/fishsugar-compat.lua)";; esac
else
  echo "  fishsugar Lua: $fishsugar_skip"
fi
if [ -z "${py_fail:-}" ]; then
  printf '  %-48s %6sx  (decrypted %d frames)\n' "python-miio parse-pcap / bare tshark -T fields:" "$(ratio "$cpu_pcapparser" "$cpu_bare")" "$py_decrypted"
else
  echo "  python-miio parse-pcap: $py_fail"
fi
exit "$failed"
