#!/usr/bin/env bash
# Runs tshark with the plugin under valgrind's memcheck over the test
# captures (two passes, full tree, all keys) and fails on an invalid read or
# write, a use of uninitialised memory, or memory definitely lost, where the
# plugin (Rust core or C shim) is on the stack. Wireshark's own reports
# (there are some) are counted but do not fail the run.
#
#   tests/memcheck.sh [CAPTURE...]
# Default: one run over every capture in tests/captures concatenated (one
# valgrind start-up, about a minute); name captures to check them one by one.
set -euo pipefail
source "$(dirname "$0")/lib/sandbox.sh"
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

sandbox_init
sandbox_miot_specs # MIoT names and checks too
captures=("$@")
if [ ${#captures[@]} -eq 0 ]; then
  mergecap -a -w "$sandbox/all-captures.pcapng" "$project_root"/tests/captures/*.pcapng
  captures=("$sandbox/all-captures.pcapng")
fi
sandbox_copy "${captures[@]}" 2>/dev/null || true

ours=0 theirs=0
for capture in "${captures[@]}"; do
  name=$(basename "$capture")
  log="$sandbox/$name.valgrind"
  # Plain malloc for glib and wmem, so valgrind sees every block.
  as_user env G_SLICE=always-malloc WIRESHARK_DEBUG_WMEM_OVERRIDE=simple \
    valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
      --errors-for-leak-kinds=definite --num-callers=40 --log-file="$log" \
      tshark -r "$sandbox/$name" -2 -V "${miio_test_keys[@]}" >/dev/null 2>&1 || true
  # One report per block of lines; ours when a frame of the plugin is in it.
  read -r mine other < <(awk '
    /^==[0-9]+== *$/ { if (block ~ /(Invalid (read|write)|uninitialised|Conditional jump|definitely lost)/) {
                         if (block ~ /(miio|packet-miio\.c|libmiio_dissector)/) m++; else o++ }
                       block = ""; next }
    { block = block "\n" $0 }
    END { print m + 0, o + 0 }' "$log")
  echo "memcheck $name: $mine reports from the plugin, $other from Wireshark/glib"
  if [ "$mine" -gt 0 ]; then
    cp "$log" "$project_root/target/memcheck-$name.log"
    echo "  see target/memcheck-$name.log" >&2
  fi
  ours=$((ours + mine)); theirs=$((theirs + other))
done
echo "memcheck: ${#captures[@]} captures, $ours reports attributable to the plugin, $theirs to Wireshark itself"
[ "$ours" -eq 0 ]
