#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz / libFuzzer, with AddressSanitizer) of
# the Rust entry points the shim calls: frame dissection through the C ABI,
# key rows and key files, JSON reading and repair. Seed corpora come from the
# test captures. A finding fails the run; cargo fuzz keeps it in
# tests/fuzz/artifacts/<target>/ -- make it a regression test.
#
#   tests/fuzz/libfuzzer.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60, all)
# Environment: FUZZ_RUNS=N stops each target after N executions instead of
# after SECONDS; FUZZ_SANITIZER=none builds without AddressSanitizer (several
# times faster; the core has no unsafe code outside the C ABI). Without
# FUZZ_SANITIZER, AddressSanitizer is used when the toolchain ships its
# runtime (rustup's do, Debian's cargo/cargo-web do not); otherwise the
# targets run without a sanitizer and the script says so.
#   long campaign:  FUZZ_RUNS=10000000 tests/fuzz/libfuzzer.sh 86400
# cargo fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain provide them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/sandbox.sh"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dissect_frame key_input payload roborock_frame miot mibeacon micloud cloud_body lan_identity)

export RUSTC_BOOTSTRAP=1
# The fuzz crate has no lock file: pick dependency versions this Rust builds
# (cargo 1.84 and newer; older ones ignore it).
export CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback
if ! command -v cargo-fuzz >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-fuzz" ]; then
  # The newest cargo-fuzz's locked dependencies need Rust 1.91 (0.13.2);
  # 0.13.1's build with Rust 1.85, the oldest this project supports (Debian
  # 13's). Pick by the Rust at hand, so that no failed build is shown.
  rust=$(rustc --version | awk '{print $2}')
  fuzz_crate=cargo-fuzz@0.13.1
  if printf '1.91.0\n%s\n' "$rust" | sort -V -C; then fuzz_crate=cargo-fuzz; fi
  echo "libfuzzer: installing $fuzz_crate from crates.io for Rust $rust (cargo install --locked; a few minutes, once)"
  install_log="$project_root/target/cargo-fuzz-install.log"
  mkdir -p "$project_root/target"
  if ! cargo install --quiet --locked "$fuzz_crate" >"$install_log" 2>&1; then
    # A newer release may need a newer Rust than the one picked for: the
    # release known to build with 1.85 is the fallback.
    echo "libfuzzer: $fuzz_crate did not build with Rust $rust (see $install_log); installing cargo-fuzz@0.13.1"
    cargo install --quiet --locked cargo-fuzz@0.13.1 >>"$install_log" 2>&1 ||
      { echo "libfuzzer: cargo-fuzz could not be installed:" >&2; tail -20 "$install_log" >&2; exit 1; }
  fi
fi

sanitizer=${FUZZ_SANITIZER:-}
if [ -z "$sanitizer" ]; then
  sysroot=$(rustc --print sysroot)
  if compgen -G "$sysroot/lib/rustlib/*/lib/librustc-*_rt.asan.a" >/dev/null; then
    sanitizer=address
  else
    sanitizer=none
    echo "libfuzzer: this Rust ($sysroot) has no AddressSanitizer runtime: fuzzing WITHOUT a sanitizer (panics and aborts are still found; memory errors in unsafe code may not be)"
  fi
fi

corpus_root="$project_root/target/fuzz-corpus"
make_corpora() {
  sandbox_init
  sandbox_copy "$project_root"/tests/captures/*.pcapng
  mkdir -p "$corpus_root"/{dissect_frame,key_input,payload,roborock_frame,miot,mibeacon,micloud,cloud_body,lan_identity}
  # Roborock frames as the peers recorded them (flag byte: TCP, MQTT, discovery).
  local m=0 truth flag
  for truth in "$project_root"/tests/captures/roborock-*.truth.jsonl; do
    flag=00
    case "$truth" in *mqtt*) flag=60 ;; *discovery*) flag=80 ;; esac
    grep -o '"frame_hex": "[0-9a-f]*"' "$truth" | cut -d'"' -f4 | while read -r hex; do
      m=$((m + 1))
      printf '%s%s' "$flag" "$hex" | xxd -r -p > "$corpus_root/roborock_frame/$(basename "$truth" .truth.jsonl)-$m"
    done
  done
  local n=0 capture hex
  for capture in "$sandbox"/*.pcapng; do
    # Frames as the shim hands them over (UDP payloads), flag byte 0 first.
    as_user tshark -r "$capture" --disable-protocol miio -T fields -e data.data -e tcp.payload 2>/dev/null |
      tr '\t' '\n' | { grep -v '^$' || true; } | while read -r hex; do
        n=$((n + 1))
        printf '00%s' "$hex" | xxd -r -p > "$corpus_root/dissect_frame/$(basename "$capture" .pcapng)-$n"
      done
    as_user tshark -r "$capture" -2 "${miio_test_keys[@]}" -T fields -e miio.decrypted 2>/dev/null |
      { grep -v '^$' || true; } | while read -r line; do
        n=$((n + 1))
        printf '%s' "$line" > "$corpus_root/payload/$(basename "$capture" .pcapng)-$n"
      done
  done
  # MIoT: the decrypted payloads that have entries (flag 0), the spec (flag 1).
  local f
  for f in "$corpus_root"/payload/*; do
    if grep -q siid "$f"; then { printf '\0'; cat "$f"; } > "$corpus_root/miot/$(basename "$f")"; fi
  done
  { printf '\1'; cat "$project_root"/tests/captures/miot-specs/zhimi.airp.rmb1.json; } > "$corpus_root/miot/spec"
  # MiBeacon: xiaomi-ble's published adverts.
  local m=0 hex
  grep -o '"data_hex": "[0-9a-f]*"' "$project_root/tests/captures/mibeacon-vectors.jsonl" | cut -d'"' -f4 |
    while read -r hex; do m=$((m + 1)); printf '%s' "$hex" | xxd -r -p > "$corpus_root/mibeacon/advert-$m"; done
  # Mi cloud: micloud 0.6's request bodies and a reply (flag 4 request, 8 reply).
  local body
  for body in $(grep -o '_BODY: &str = "[^"]*"' "$project_root/src/micloud/message_tests.rs" | cut -d'"' -f2); do
    m=$((m + 1)); { printf '\4'; printf '%s' "$body"; } > "$corpus_root/micloud/request-$m"
  done
  grep -o 'RESPONSE: &str = "[^"]*"' "$project_root/src/micloud/reply_tests.rs" | cut -d'"' -f2 |
    { printf '\10'; cat; } > "$corpus_root/micloud/reply"
  printf '\0&&&START&&&{"ssecurity":"gH4pK8sE1rT6wQ2zX9cV3b==","code":0}' > "$corpus_root/micloud/login"
  # Cloud bodies: the gzip bombs' reply bodies (flag 0, their key), the
  # replies and requests mijiaAPI and the Xiaomi Home integration exchanged,
  # gzipped and plain (flags 0x01 / 0x11 / 0x21, 0x02 ...), pushes (0x03).
  { printf '\0'; cat "$project_root/tests/captures/mijia-gzip-bomb-small.body"; } > "$corpus_root/cloud_body/bomb"
  /usr/bin/python3 - "$project_root/tests/captures" "$corpus_root/cloud_body" <<'PY'
import gzip, json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for name in ("mijia-qr-chain", "hacloud-http", "hacloud-mqtt"):
    for line in (src / f"{name}.expected.jsonl").read_text().splitlines():
        e = json.loads(line)
        for key, flag in (("response", 1), ("request_body", 2), ("payload", 3)):
            text = e.get(key)
            if not isinstance(text, str) or not text.startswith("{"):
                continue
            n += 1
            (out / f"{name}-{n}").write_bytes(bytes([flag]) + text.encode())
            if flag == 1:
                (out / f"{name}-{n}.gz").write_bytes(bytes([flag]) + gzip.compress(text.encode()))
PY
  # LAN identity: the mDNS capture's messages (broken TXT included), and
  # port-80 segments of the cloud link and of plain HTTP (connection byte first).
  sandbox_copy "$project_root"/tests/captures/mdns-miio.pcapng "$project_root"/tests/captures/http80-plain.pcapng
  as_user tshark -r "$sandbox/mdns-miio.pcapng" -T fields -e udp.payload 2>/dev/null | { grep -v '^$' || true; } |
    while read -r hex; do m=$((m + 1)); printf '%s' "$hex" | xxd -r -p > "$corpus_root/lan_identity/mdns-$m"; done
  for capture in cloud-tcp http80-plain; do
    sandbox_copy "$project_root/tests/captures/$capture.pcapng"
    as_user tshark -r "$sandbox/$capture.pcapng" -T fields -e tcp.payload 2>/dev/null | { grep -v '^$' || true; } |
      while read -r hex; do m=$((m + 1)); { printf '\1'; printf '%s' "$hex" | xxd -r -p; } > "$corpus_root/lan_identity/$capture-$m"; done
  done
  printf '0a1b2c3d 3f4a1c2b9d8e7f60112233445566aa01 vacuum\n# c\nc0ffee00deadbeef0123456789abcdef\n' > "$corpus_root/key_input/file"
  printf '0a1b2c3d\ttoken\t3f4a1c2b9d8e7f60112233445566aa01\tvacuum' > "$corpus_root/key_input/row"
  printf '\tcloud\tXk3mP9qLw2Zr7TbN\t' > "$corpus_root/key_input/cloud"
  # Files users already have: extractor output, Home Assistant, cloud lists.
  for f in "$project_root"/tests/captures/keyfiles/*; do
    [ "$(basename "$f")" = README.md ] || cp "$f" "$corpus_root/key_input/file-$(basename "$f")"
  done
}
make_corpora

cd "$here"
# Build every target first, so the times below are fuzzing alone.
cargo fuzz build --fuzz-dir "$here" -O -s "$sanitizer" >"$project_root/target/fuzz-build.log" 2>&1 ||
  { tail -20 "$project_root/target/fuzz-build.log" >&2; exit 1; }
failed=0
for target in "${targets[@]}"; do
  log="$project_root/target/fuzz-$target.log"
  limit=(-max_total_time="$seconds")
  [ -z "${FUZZ_RUNS:-}" ] || limit+=(-runs="$FUZZ_RUNS")
  # dissect_frame and micloud keep a capture's state across inputs by design (frames
  # held for a later key, links, learned keys: reset every 64 inputs), which
  # LeakSanitizer takes for a leak after nearly every input and answers with
  # a whole-heap scan (~170 executions a second instead of ~5,000).
  # AddressSanitizer's memory checks stay on.
  case "$target" in dissect_frame | micloud) limit+=(-detect_leaks=0) ;; esac
  started=$(date +%s)
  if cargo fuzz run --fuzz-dir "$here" -O -s "$sanitizer" "$target" "$corpus_root/$target" -- \
       "${limit[@]}" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -oE "Done [0-9]+ runs" "$log" | grep -oE "[0-9]+" | tail -1)
    echo "libfuzzer $target: ${runs:-?} executions in $(( $(date +%s) - started ))s (sanitizer $sanitizer), no finding"
  else
    failed=1
    echo "libfuzzer $target: FINDING (see $log and $here/artifacts/$target/)" >&2
    grep -E "panicked|ERROR: AddressSanitizer|SUMMARY" "$log" | head -5 >&2
  fi
done
exit $failed
