#!/usr/bin/env bash
# Writes the stand-in servers' self-signed certificate and key (test use only):
# one ECDSA P-256 certificate for every host the client talks to, also its own
# trust anchor (the client trusts it through REQUESTS_CA_BUNDLE).
#   tests/peers/micloud/gen-cert.sh   (into tests/peers/micloud/cert.pem, key.pem)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$here/key.pem" -out "$here/cert.pem" -days 9125 \
  -subj "/CN=api.io.mi.com/O=miio-dissector test" \
  -addext "subjectAltName=DNS:account.xiaomi.com,DNS:sts.api.io.mi.com,DNS:api.io.mi.com,DNS:*.api.io.mi.com" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" \
  -addext "extendedKeyUsage=serverAuth" 2>/dev/null
echo "wrote $here/cert.pem and $here/key.pem"
