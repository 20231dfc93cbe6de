#!/usr/bin/env bash
# The README's two commands on a fresh Debian, as a newcomer would run them.
# Run before each release (not in CI: about 20 minutes a suite; root needed).
#
#   tests/fresh-machine.sh SUITE...      SUITE: bookworm (12), trixie (13), sid
#
# An issue is resolved only when this passes on bookworm and trixie (the
# README's table says when it last did); sid's failures, if any, are shown
# to be Wireshark's or the distribution's, or fixed.
#
# For each suite: a new `debootstrap` chroot in target/fresh/<suite> with the
# suite's main, updates and security sources (sid: main only), upgraded, then only
# `git sudo ca-certificates whiptail apt-utils` (whiptail is what opens
# debconf's dialogs on a real installation; this machine's own CA certificates
# from /usr/local/share/ca-certificates are added, for a network that
# intercepts HTTPS). A normal user, `newcomer`, with
# sudo (no password, so that nobody has to type), clones this repository's
# committed HEAD and runs, each in a pseudo-terminal (`script`) with nothing
# typed on its input:
#   1. ./setup.sh                  must finish, install the plugin and show the sample decrypted
#   2. tests/run.sh                must pass
#   3. sudo ./setup.sh             must leave exactly one copy, loaded with no warning,
#                                  and no root-owned file in the project folder
#   4. ./setup.sh --uninstall      must leave no copy
# A step that waits for input is stopped after STEP_TIMEOUT seconds (default
# 2400) and fails. Prints one line per step with its time, and a summary line
# per suite; logs in target/fresh/<suite>-*.log, and what the tests left
# (fuzz findings, their logs) in target/fresh/<suite>-kept/. KEEP=1 keeps the
# chroot.
# PREINSTALL="PACKAGE..." installs these too before the newcomer starts (a
# machine that already has, say, Debian 12's too old `cargo`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
step_timeout=${STEP_TIMEOUT:-2400}
[ $# -gt 0 ] || { echo "usage: $0 SUITE... (bookworm trixie sid)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "fresh-machine: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-machine: note: uncommitted changes are not tested (the newcomer clones HEAD)" >&2
fi
head=$(git -C "$root" rev-parse HEAD)

dir=
cleanup() {
  [ -n "$dir" ] || return 0
  local m
  for m in dev/pts dev sys proc; do mountpoint -q "$dir/$m" && umount -l "$dir/$m"; done
  return 0
}
trap cleanup EXIT

in_chroot() { chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

make_machine() { # make_machine SUITE
  local suite=$1
  cleanup
  rm -rf --one-file-system "$dir"
  mkdir -p "$dir"
  debootstrap --variant=minbase "$suite" "$dir" "$mirror" ||
    { echo "fresh-machine: debootstrap $suite failed" >&2; return 1; }
  rm -f "$dir/etc/apt/sources.list"
  if [ "$suite" = sid ] || [ "$suite" = unstable ]; then
    # The development suite has no updates or security suites. Its Release
    # file is valid for a week; a mirror that serves a snapshot (as this
    # workplace's does) may hold one past that, which apt refuses.
    echo "deb $mirror $suite main" >"$dir/etc/apt/sources.list"
    echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/99snapshot-mirror"
  else
    cat >"$dir/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
  fi
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  cp /etc/hostname /etc/hosts "$dir/etc/"
  mount -t proc proc "$dir/proc"
  mount -t sysfs sys "$dir/sys"
  mount --bind /dev "$dir/dev"
  mount --bind /dev/pts "$dir/dev/pts"
  in_chroot apt-get update
  in_chroot env DEBIAN_FRONTEND=noninteractive apt-get -y dist-upgrade
  in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y git sudo ca-certificates whiptail apt-utils
  # Where this machine's network intercepts HTTPS (crates.io), its local CA
  # certificates are what a machine on that network has installed too.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
    in_chroot update-ca-certificates
  fi
  if [ -n "${PREINSTALL:-}" ]; then
    # shellcheck disable=SC2086
    in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y $PREINSTALL
  fi
  in_chroot useradd --create-home --shell /bin/bash --groups sudo newcomer
  echo 'newcomer ALL=(ALL) NOPASSWD:ALL' >"$dir/etc/sudoers.d/newcomer"
  chmod 0440 "$dir/etc/sudoers.d/newcomer"
  git clone --quiet --no-hardlinks "$root" "$dir/home/newcomer/miio-dissector"
  git -C "$dir/home/newcomer/miio-dissector" checkout --quiet "$head"
  in_chroot chown -R newcomer:newcomer /home/newcomer/miio-dissector
}

# as_newcomer LOG COMMAND: COMMAND in the project folder, as the newcomer, in a
# pseudo-terminal (script), input at end of file; the terminal's output in LOG.
as_newcomer() {
  local log=$1 cmd=$2
  in_chroot timeout "$step_timeout" sudo -iu newcomer \
    script --quiet --return --command "cd ~/miio-dissector && $cmd" /dev/null \
    </dev/null >"$log" 2>&1
}

# plugin_copies: every miio.so in the chroot's plugin folders.
plugin_copies() { find "$dir/usr/lib" "$dir/home/newcomer/.local" "$dir/root" -name miio.so 2>/dev/null | sed "s|^$dir||"; }

results=()
run_suite() { # run_suite SUITE -> 0 all steps passed
  local suite=$1 log started t failed=0 passed
  dir="$root/target/fresh/$suite"
  log="$root/target/fresh/$suite"
  mkdir -p "$root/target/fresh"
  started=$(date +%s)
  echo "== $suite: making the machine (debootstrap, updates, git sudo ca-certificates whiptail apt-utils)"
  make_machine "$suite" >"$log-machine.log" 2>&1 || { echo "fresh-machine $suite: could not make the machine (see $log-machine.log)"; return 1; }
  echo "   machine ready in $(( $(date +%s) - started )) s ($(in_chroot sh -c '. /etc/os-release; echo "$PRETTY_NAME"'))"

  step() { # step NAME LOG COMMAND CHECK...
    local name=$1 steplog=$2 cmd=$3 s ok=1
    shift 3
    s=$(date +%s)
    as_newcomer "$steplog" "$cmd" || ok=0
    local secs=$(( $(date +%s) - s ))
    if grep -q "non-superusers be able to capture" "$steplog"; then ok=0; echo "   (a debconf dialog was shown)" ; fi
    if [ $ok = 1 ] && "$@"; then
      echo "   $name: ok in ${secs} s"
    else
      failed=1
      echo "   $name: FAILED after ${secs} s (see $steplog)"
    fi
  }
  check_sample() { grep -q "Installed the miIO plugin" "$1" && grep -q "miIO 138 get_status id=2" "$1" && grep -q '"Method not found."' "$1"; }
  one_copy_loaded() { # exactly one copy, and tshark lists it without a warning, for the user and for root
    local copies n
    copies=$(plugin_copies); n=$(printf '%s\n' "$copies" | grep -c miio.so || true)
    echo "   copies: $(echo $copies)"
    [ "$n" = 1 ] || return 1
    local u r
    u=$(in_chroot sudo -iu newcomer tshark -G plugins 2>&1)
    r=$(in_chroot sudo -i tshark -G plugins 2>&1)
    if grep -q "multiple directories" <<<"$u$r"; then echo "   tshark warns: $(grep -m1 "multiple directories" <<<"$u$r")"; return 1; fi
    grep -q "miio.so" <<<"$u" && grep -q "miio.so" <<<"$r" || return 1
    # and the project folder still belongs to the user (no root-owned build files)
    local uid foreign
    uid=$(in_chroot id -u newcomer)
    foreign=$(find "$dir/home/newcomer/miio-dissector" ! -uid "$uid" | head -3)
    [ -z "$foreign" ] || { echo "   not the user's: $foreign"; return 1; }
  }
  no_copy() { [ -z "$(plugin_copies)" ] && ! in_chroot sudo -iu newcomer tshark -G plugins 2>&1 | grep -q miio.so; }
  tests_passed() {
    grep -q "tests/run.sh: failed steps" "$1" && return 1
    passed=$(tr -d '\r' <"$1" | grep -h "^test result" | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')
    echo "   cargo tests: $passed; $(tr -d '\r' <"$1" | grep -E "^libfuzzer|^readme-samples( self-test)?: [0-9]|^tshark-fuzz: [0-9]|^memcheck" | tr '\n' ';' | sed 's/;$//')"
    return 0
  }

  step "./setup.sh" "$log-1-setup.log" "./setup.sh" check_sample "$log-1-setup.log"
  step "tests/run.sh" "$log-2-tests.log" "tests/run.sh" tests_passed "$log-2-tests.log"
  step "sudo ./setup.sh" "$log-3-sudo-setup.log" "sudo ./setup.sh" one_copy_loaded
  step "./setup.sh --uninstall" "$log-4-uninstall.log" "./setup.sh --uninstall" no_copy

  local rust wireshark
  rust=$(in_chroot sh -c 'rustc --version' 2>/dev/null || echo "no rustc")
  wireshark=$(in_chroot dpkg-query -W -f='${Version}' tshark 2>/dev/null || echo "?")
  local total=$(( $(date +%s) - started ))
  local line="fresh-machine $suite${PREINSTALL:+ with $PREINSTALL installed first} ($(date -u +%F), $rust, tshark $wireshark, commit ${head:0:7}): $([ $failed = 0 ] && echo PASS || echo FAIL) in $((total / 60)) min $((total % 60)) s"
  echo "$line"
  results+=("$line")
  # Keep what the tests left (fuzz findings, logs) before the machine goes.
  local project="$dir/home/newcomer/miio-dissector"
  mkdir -p "$log-kept"
  cp -r "$project/tests/fuzz/artifacts" "$log-kept/" 2>/dev/null || true
  cp "$project"/target/*.log "$log-kept/" 2>/dev/null || true
  cp -r "$project/target/fuzz-failures" "$project/target/fuzz-wireshark-bugs" "$log-kept/" 2>/dev/null || true
  cleanup
  [ -n "${KEEP:-}" ] || rm -rf --one-file-system "$dir"
  dir=
  return $failed
}

status=0
for suite in "$@"; do run_suite "$suite" || status=1; done
printf '%s\n' "${results[@]}"
exit $status
