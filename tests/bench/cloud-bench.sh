#!/usr/bin/env bash
# What the Mi cloud dissector and its MIoT naming cost, as ratios from one
# run (medians of RUNS runs taken in turn; never a timed assertion): the
# mijiaAPI capture (QR login, 20 RC4 calls, 15 gzip replies, 5 MIoT calls)
# copied 2^DOUBLINGS times (tests/bench/make-copies.py), read with its TLS
# key log in -T fields:
#   plain   Wireshark alone (TLS decrypted, HTTP bodies as text);
#   numbers the plugin, with an empty spec folder (RC4, gzip, MIoT ids);
#   names   the plugin with the purifier's spec (names, checks, the Info column).
#
#   tests/bench/cloud-bench.sh                     (6 doublings: 64 copies, 12,416 frames, 5 runs)
#   DOUBLINGS=3 RUNS=1 tests/bench/cloud-bench.sh  (the CI-sized smoke)
#   PLUGIN_SO=path/to/miio.so ...                  (a plugin built elsewhere: no cargo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/sandbox.sh"
doublings=${DOUBLINGS:-6}
runs=${RUNS:-5}

sandbox_init "${PLUGIN_SO:-}"
corpus="$sandbox/cloud.pcap"
editcap -F pcap "$project_root/tests/captures/mijia-qr-chain.pcapng" "$sandbox/one.pcap"
# Copies with their own client ports: the same connections again would be
# retransmissions to Wireshark, and nothing would decrypt.
/usr/bin/python3 "$here/make-copies.py" "$sandbox/one.pcap" $((1 << doublings)) "$corpus"
cp "$project_root/tests/captures/mijia-qr-chain.keys" "$sandbox/keys"
frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')
mkdir -p "$sandbox/specs" "$sandbox/no-specs"
cp "$project_root/tests/captures/miot-specs/zhimi.airp.rmb1.json" "$sandbox/specs/"
chmod -R a+rwX "$sandbox"
tls="tls.keylog_file:$sandbox/keys"
named=$(as_user tshark -r "$corpus" -o "$tls" -o "miio.miot_spec_dir:$sandbox/specs" -Y miio.miot.property -T fields -e frame.number | wc -l)
replies=$(as_user tshark -r "$corpus" -o "$tls" -Y 'micloud.reply.status == 3' -T fields -e frame.number | wc -l)
[ "$named" -gt 0 ] && [ "$replies" -gt 0 ] || { echo "cloud-bench: nothing named ($named) or inflated ($replies)" >&2; exit 1; }

# One case a line: NAME|RUNNER|tshark arguments (no spaces inside an argument).
cases=(
  "plain|without_plugin|-T fields -e http.file_data"
  "numbers|as_user|-o miio.miot_spec_dir:$sandbox/no-specs -T fields -e micloud.response -e miio.miot.siid"
  "names|as_user|-o miio.miot_spec_dir:$sandbox/specs -T fields -e micloud.response -e miio.miot.siid"
)
: > "$sandbox/samples"
chmod a+rw "$sandbox/samples"
for _ in $(seq 1 "$runs"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name runner args <<< "$c"
    # shellcheck disable=SC2086
    "$runner" /usr/bin/time -f "$name %U %S %M" -a -o "$sandbox/samples" tshark -r "$corpus" -o "$tls" $args >/dev/null 2>"$sandbox/stderr" ||
      { echo "cloud-bench: $name failed" >&2; cat "$sandbox/stderr" >&2; exit 1; }
  done
done

echo "cloud-bench: $frames frames ($replies gzip replies inflated, $named with named properties), median of $runs runs, $(nproc) cores"
printf '  %-44s %s\n' \
  "-T fields, plugin without specs / plain:" "$(bench_ratio numbers plain cpu 3)x  ($(bench_cpu numbers) / $(bench_cpu plain))" \
  "-T fields, with MIoT names / without:" "$(bench_ratio names numbers cpu 3)x  ($(bench_cpu names) / $(bench_cpu numbers))" \
  "peak RSS, with names / plain:" "$(bench_ratio names plain rss 3)x"
