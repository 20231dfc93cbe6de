#!/usr/bin/env bash
# Keeps the README's sample outputs true: every code block marked with
#
#   <!-- sample: COMMAND -->
#   ```
#   ...what COMMAND prints...
#   ```
#
# is checked against what COMMAND prints (stdout and stderr) with the freshly
# built plugin, run as a user would (tests/lib/sandbox.sh) from a folder that
# holds tests/captures/. In the block, lines starting with "$ " (and their
# "\" continuation lines) show the command and are skipped; the other lines
# must appear in the output in that order, but lines may be left out ("lines
# cut for brevity"), a line "..." stands for any number of lines, "…"
# inside a line stands for any text (cut long lines: `Encrypted payload: 96e9…`),
# and indentation is not compared.
#
# Samples show what one Wireshark printed (the text before the block says
# which); where 4.0, 4.4 and 4.6 print differently (a label, a layer's
# place in the tree), the block cuts that part with "…" or "...", so the
# same block holds on each of them while the plugin's own lines are compared
# whole.
#
#   tests/readme-samples.sh [README]     (default: the project's README.md)
# Prints one line per block; exits non-zero when one differs, showing the real
# output.
#   tests/readme-samples.sh --self-test [README]
# Checks the check: every block must DIFFER when tshark runs without the
# plugin (so each block asserts some of the plugin's own output), and when
# its last compared line is changed by one character (so the comparison is
# not loose). Exits non-zero naming a block that still matches.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/sandbox.sh"
self_test=0
if [ "${1:-}" = --self-test ]; then self_test=1; shift; fi
readme=${1:-$project_root/README.md}

# Blocks as records: "C<TAB>line number<TAB>command", then "E<TAB>expected line"s.
blocks=$(mktemp)
awk '
  /^<!-- sample: .* -->[ \t]*$/ {
    cmd = $0; sub(/^<!-- sample: /, "", cmd); sub(/ -->[ \t]*$/, "", cmd)
    pending = NR; next
  }
  pending && !inblock && /^```/ { inblock = 1; print "C\t" pending "\t" cmd; shown = 0; next }
  pending && !inblock && /^[ \t]*$/ { next }
  pending && !inblock { print "readme-samples: README line " pending ": the marker is not followed by a code block" > "/dev/stderr"; bad = 1; pending = 0; next }
  inblock && /^```/ { inblock = 0; pending = 0; next }
  inblock {
    if (continued) { continued = ($0 ~ /\\$/); next }
    if ($0 ~ /^\$ /) { continued = ($0 ~ /\\$/); next }
    print "E\t" $0
  }
  END { exit bad }
' "$readme" >"$blocks"

if [ ! -s "$blocks" ]; then
  echo "readme-samples: no marked sample in $readme"
  rm -f "$blocks"
  exit 0
fi

sandbox_init
mkdir -p "$sandbox/tests"
cp -r "$project_root/tests/captures" "$sandbox/tests/"
chmod -R a+rwX "$sandbox"
trap 'rm -rf "$sandbox" "$blocks"' EXIT

# check EXPECTED ACTUAL: the expected lines are a subsequence of the actual
# ones ("..." skips, "…" is any text), indentation aside. Prints the first
# line not found.
check() {
  awk '
    function matches(line, pattern,    n, parts, i, at, rest) {
      n = split(pattern, parts, "…")
      if (n == 1) return line == pattern
      if (substr(line, 1, length(parts[1])) != parts[1]) return 0
      rest = substr(line, length(parts[1]) + 1)
      for (i = 2; i < n; i++) {
        at = index(rest, parts[i]); if (!at) return 0
        rest = substr(rest, at + length(parts[i]))
      }
      return length(parts[n]) == 0 || (length(rest) >= length(parts[n]) && substr(rest, length(rest) - length(parts[n]) + 1) == parts[n])
    }
    # Indentation is not compared: where a layer sits in the tree (MiBeacon
    # is a top-level tree in 4.0, a subtree of the advertising data from 4.2
    # on) moves every line of it, not what the lines say.
    FNR == NR { sub(/[ \t]+$/, ""); sub(/^[ \t]+/, ""); want[++w] = $0; next }
    { sub(/[ \t]+$/, ""); sub(/^[ \t]+/, ""); got[++g] = $0 }
    END {
      j = 1
      for (i = 1; i <= w; i++) {
        if (want[i] == "..." || want[i] == "") continue
        while (j <= g && !matches(got[j], want[i])) j++
        if (j > g) { print "not in the output (or not in this order): " want[i]; exit 1 }
        j++
      }
    }
  ' "$1" "$2"
}

failed=0 n=0
expected=$(mktemp -p "$sandbox") actual=$(mktemp -p "$sandbox")
# matches RUNNER COMMAND: the expected lines are in what COMMAND prints when
# run by RUNNER (as_user: with the plugin; without_plugin); why in $why.
why=
matches() {
  (cd "$sandbox" && "$1" bash -c "$2") >"$actual" 2>&1 || true
  why=$(check "$expected" "$actual")
}
run_block() { # run_block LINE COMMAND
  n=$((n + 1))
  if [ $self_test = 1 ]; then self_test_block "$@"; return; fi
  if matches as_user "$2"; then
    echo "readme-samples: README line $1: ok ($2)"
  else
    failed=1
    echo "readme-samples: README line $1: DIFFERS ($2)" >&2
    echo "  $why" >&2
    echo "  the command printed:" >&2
    sed 's/^/  | /' "$actual" | head -60 >&2
  fi
}
self_test_block() { # self_test_block LINE COMMAND: the block must fail twice
  if matches without_plugin "$2"; then
    failed=1
    echo "readme-samples self-test: README line $1: still matches WITHOUT the plugin: the block asserts none of its output" >&2
  fi
  # The last line compared (not "..."), changed by one character where it is
  # compared: before its first "…", or at its end.
  local last
  last=$(grep -vxF -e '...' -e '' -e '…' "$expected" | tail -1 || true)
  if [ -z "$last" ]; then
    failed=1
    echo "readme-samples self-test: README line $1: no line is compared" >&2
    return
  fi
  local original
  original=$(cat "$expected")
  awk -v last="$last" '
    $0 == last && !done { at = index($0, "…"); $0 = at ? substr($0, 1, at - 1) "x" substr($0, at) : $0 "x"; done = 1 }
    { print }' <<<"$original" >"$expected"
  if matches as_user "$2"; then
    failed=1
    echo "readme-samples self-test: README line $1: still matches with its line \"$last\" changed" >&2
  else
    echo "readme-samples self-test: README line $1: fails without the plugin and with a line changed"
  fi
  printf '%s\n' "$original" >"$expected"
}
line= cmd=
while IFS= read -r record; do
  case $record in
    C$'\t'*)
      [ -z "$line" ] || run_block "$line" "$cmd"
      record=${record#C$'\t'}
      line=${record%%$'\t'*}
      cmd=${record#*$'\t'}
      : >"$expected"
      ;;
    E$'\t'*) printf '%s\n' "${record#E$'\t'}" >>"$expected" ;;
  esac
done <"$blocks"
[ -z "$line" ] || run_block "$line" "$cmd"
if [ $self_test = 1 ]; then
  echo "readme-samples self-test: $n blocks$([ $failed = 0 ] && echo ", each fails without the plugin and with a line changed" || echo ", some do NOT fail")"
else
  echo "readme-samples: $n blocks checked$([ $failed = 0 ] && echo ", all match" || echo ", some DIFFER")"
fi
exit $failed
