#!/usr/bin/env bash
# Builds the plugin against another Wireshark release and runs the whole test
# suite (unit and tshark integration tests) with that release's tshark, then
# the README's samples, their self-test and a short tshark fuzz (2 seeds).
#
#   tests/compat/run.sh VERSION...      VERSION: 4.0 (bookworm), 4.4 (trixie), 4.6 (sid)
#   tests/compat/run.sh --bench VERSION...   tests/bench/tshark-bench.sh instead
#                                            of the tests (DOUBLINGS, RUNS passed on)
#
# Each release comes from Debian's packages: a `debootstrap` chroot in
# target/compat/<suite> (made once, about 2 minutes; root needed) holds its
# tshark and headers. The plugin and the test binaries are built on this
# machine against the chroot's headers through pkg-config
# (PKG_CONFIG_SYSROOT_DIR / PKG_CONFIG_LIBDIR, as for any Wireshark installed
# elsewhere), then run inside the chroot, where that Wireshark is the one
# installed. Prints one PASS/FAIL line per version; exits non-zero on a FAIL.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
bench=0
if [ "${1:-}" = --bench ]; then bench=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--bench] VERSION... (4.0 4.4 4.6)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "compat: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

suite_of() {
  case $1 in
    4.0) echo bookworm ;;
    4.4) echo trixie ;;
    4.6) echo sid ;;
    *) echo "compat: unknown version $1 (4.0, 4.4, 4.6)" >&2; exit 2 ;;
  esac
}

make_chroot() { # make_chroot SUITE DIR
  local suite=$1 dir=$2
  [ -x "$dir/usr/bin/tshark" ] && return 0
  rm -rf --one-file-system "$dir"
  debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 ||
    { echo "compat: debootstrap $suite failed (see $dir.log)" >&2; return 1; }
  # A suite's Release file may be past its validity date.
  chroot "$dir" apt-get -o Acquire::Check-Valid-Until=false update -qq >>"$dir.log" 2>&1
  DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get install -y -qq --no-install-recommends \
    tshark libwireshark-dev libglib2.0-dev >>"$dir.log" 2>&1
}

run_version() { # run_version VERSION -> 0 pass, 1 fail
  local version=$1 suite dir target got
  suite=$(suite_of "$version")
  dir="$root/target/compat/$suite"
  mkdir -p "$root/target/compat"
  make_chroot "$suite" "$dir" || return 1
  got=$(chroot "$dir" dpkg-query -W -f='${Version}' tshark)
  case $got in "$version".*|*:"$version".*) ;; *) echo "compat: $suite has tshark $got, not $version" >&2; return 1 ;; esac

  # Build here against the chroot's Wireshark (build.rs drops the chroot's
  # /usr/include so this machine's libc headers stay in front).
  target="$root/target/compat-$version"
  export PKG_CONFIG_SYSROOT_DIR="$dir"
  export PKG_CONFIG_LIBDIR="$dir/usr/lib/x86_64-linux-gnu/pkgconfig:$dir/usr/share/pkgconfig"
  local tests
  tests=$(cd "$root" && CARGO_TARGET_DIR="$target" cargo test --release --locked --no-run \
            --message-format=json 2>"$target.build.log" |
          sed -n 's/.*"executable":"\([^"]*\)".*/\1/p') || { echo "compat: build for $version failed (see $target.build.log)" >&2; return 1; }
  unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
  [ $bench -eq 1 ] && { bench_version "$version" "$dir" "$target"; return; }

  # The tests find the plugin next to themselves and the captures (and
  # tests/lib/cut-capture.py, which needs python3-dpkt) under the project
  # folder: the same paths inside the chroot.
  chroot "$dir" python3 -c "import dpkt" 2>/dev/null ||
    DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get install -y -qq --no-install-recommends \
      python3-dpkt >>"$dir.log" 2>&1 || { echo "compat: installing python3-dpkt in $dir failed" >&2; return 1; }
  mkdir -p "$dir$root/tests" "$dir$target/release/deps"
  rm -rf "$dir$root/tests/captures" "$dir$root/tests/lib"
  cp -r "$root/tests/captures" "$root/tests/lib" "$dir$root/tests/"
  cp "$target"/release/deps/libmiio_dissector.so $tests "$dir$target/release/deps/"
  chmod -R a+rX "$dir$root"

  # The tests read /proc/self/exe; unmount before anything removes the chroot.
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  trap 'umount "$dir/proc" 2>/dev/null || true' RETURN
  local failed=0 t
  # Only this run's logs count in the summary (older binaries' logs stay otherwise).
  local old
  for old in "$target".*.log; do [ "$old" = "$target.build.log" ] || rm -f "$old"; done
  for t in $tests; do
    chroot "$dir" env HOME=/root TMPDIR=/tmp "$t" --test-threads=2 >"$target.$(basename "$t").log" 2>&1 || {
      failed=1; echo "compat $version: $(basename "$t") failed (see $target.$(basename "$t").log)" >&2; }
  done
  # The checks that are scripts, not cargo tests: the README's samples (and
  # the check of the check) and the short tshark fuzz, with that tshark.
  run_scripts "$dir" "$target" "$version" || failed=1
  local summary
  summary=$(cat "$target".*.log | grep -h "^test result" | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')
  if [ $failed -eq 0 ]; then echo "compat $version (tshark $got): PASS ($summary)"; else echo "compat $version (tshark $got): FAIL ($summary)"; fi
  return $failed
}

run_scripts() { # run_scripts CHROOT TARGET VERSION -> 0 all passed
  local dir=$1 target=$2 version=$3 script failed=0 log
  cp "$root/README.md" "$dir$root/"
  rm -rf "$dir$root/tests/fuzz"
  mkdir -p "$dir$root/tests/fuzz"
  cp "$root/tests/readme-samples.sh" "$dir$root/tests/"
  cp "$root/tests/fuzz/tshark-fuzz.sh" "$dir$root/tests/fuzz/"
  cp "$target/release/deps/libmiio_dissector.so" "$dir/tmp/miio-$version.so"
  chmod -R a+rX "$dir$root" "$dir/tmp/miio-$version.so"
  for script in "tests/readme-samples.sh" "tests/readme-samples.sh --self-test" "tests/fuzz/tshark-fuzz.sh 2"; do
    log="$target.script-$(echo "$script" | tr -c 'a-z0-9' -).log"
    # shellcheck disable=SC2086
    if chroot "$dir" env HOME=/root TMPDIR=/tmp PLUGIN_SO="/tmp/miio-$version.so" $root/$script >"$log" 2>&1; then
      echo "compat $version: $script: $(tail -1 "$log")"
    else
      failed=1
      echo "compat $version: $script FAILED (see $log):" >&2
      grep -E "DIFFERS|not in the output|FAIL|still matches|not ours" "$log" | head -10 >&2
    fi
  done
  return $failed
}

bench_version() { # bench_version VERSION CHROOT TARGET: the benchmark with that tshark
  local version=$1 dir=$2 target=$3
  # The twin's pcap writer and /usr/bin/time, as scripts/install-deps.sh has them here.
  chroot "$dir" sh -c 'command -v /usr/bin/time >/dev/null && python3 -c "import dpkt"' 2>/dev/null ||
    DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get install -y -qq --no-install-recommends \
      python3-dpkt time >>"$dir.log" 2>&1 || { echo "compat: installing python3-dpkt in $dir failed" >&2; return 1; }
  mkdir -p "$dir$root/tests"
  rm -rf "$dir$root/tests/captures" "$dir$root/tests/bench" "$dir$root/tests/lib"
  cp -r "$root/tests/captures" "$root/tests/bench" "$root/tests/lib" "$dir$root/tests/"
  cp "$target/release/deps/libmiio_dissector.so" "$dir/tmp/miio-$version.so"
  chmod -R a+rX "$dir$root" "$dir/tmp/miio-$version.so"
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  trap 'umount "$dir/proc" 2>/dev/null || true' RETURN
  chroot "$dir" env HOME=/root TMPDIR=/tmp PLUGIN_SO="/tmp/miio-$version.so" \
    DOUBLINGS="${DOUBLINGS:-11}" RUNS="${RUNS:-5}" "$root/tests/bench/tshark-bench.sh"
}

status=0
for v in "$@"; do run_version "$v" || status=1; done
exit $status
