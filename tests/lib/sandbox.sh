# Shell helpers for scripts that run the real tshark with the freshly built
# plugin (fuzzing, memcheck, benchmarks); the Rust tests have their own in
# tests/common. Source it, then call sandbox_init.
#
# tshark run by root ignores personal plugin folders, so as root it runs as
# user nobody; WIRESHARK_PLUGIN_DIR points at an empty folder so a copy in
# the global plugin folder cannot stand in for this build.

project_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Every key of the test captures (tests/captures/README.md).
miio_test_keys=(
  -o 'uat:miio_keys:"0a1b2c3d","token","3f4a1c2b9d8e7f60112233445566aa01","python-miio basic"'
  -o 'uat:miio_keys:"1c2d3e4f","token","7b3e9f21c4d85a06e1f2a3b4c5d6e7f8","node plug"'
  -o 'uat:miio_keys:"","token","a1b2c3d4e5f60718293a4b5c6d7e8f90","plug"'
  -o 'uat:miio_keys:"","token","5566778899aabbccddeeff0011223344","lamp"'
  -o 'uat:miio_keys:"","token","0123456789abcdef0123456789abcdef","gen1 vacuum"'
  -o 'uat:miio_keys:"","token","fedcba9876543210fedcba9876543210","lossy"'
  -o 'uat:miio_keys:"","token","00112233445566778899aabbccddeeff","quirky"'
  -o 'uat:miio_keys:"","cloud","Xk3mP9qLw2Zr7TbN","vacuum cloud key"'
  -o 'tcp.try_heuristic_first:TRUE'
)

# sandbox_init [PLUGIN_SO]: builds the plugin (unless given) and makes
# $sandbox, a private HOME with the plugin installed.
sandbox_init() {
  local so=${1:-}
  if [ -z "$so" ]; then
    (cd "$project_root" && cargo build --release --quiet)
    so="$project_root/target/release/libmiio_dissector.so"
  fi
  sandbox=$(mktemp -d /tmp/miio-sandbox.XXXXXX)
  local version
  version=$(pkg-config --modversion wireshark | cut -d. -f1,2)
  mkdir -p "$sandbox/.local/lib/wireshark/plugins/$version/epan" "$sandbox/no-global-plugins" "$sandbox/.config/wireshark"
  cp "$so" "$sandbox/.local/lib/wireshark/plugins/$version/epan/miio.so"
  chmod -R a+rwX "$sandbox"
  trap 'rm -rf "$sandbox"' EXIT
}

# as_user CMD...: runs a command the way Wireshark loads personal plugins.
as_user() {
  if [ "$(id -u)" -eq 0 ]; then
    HOME=$sandbox WIRESHARK_PLUGIN_DIR=$sandbox/no-global-plugins \
      setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else
    HOME=$sandbox WIRESHARK_PLUGIN_DIR=$sandbox/no-global-plugins "$@"
  fi
}

# sandbox_copy FILE...: copies files into the sandbox, readable by nobody.
sandbox_copy() {
  cp "$@" "$sandbox/"
  chmod -R a+rwX "$sandbox"
}
