#!/usr/bin/env bash
# A self-signed TLS pair for testing nginx's HTTPS listener (`make certs`):
#   scripts/certs.sh [OUT_DIR=nginx/ssl] [NAME=localhost]
# writes OUT_DIR/fullchain.pem and OUT_DIR/privkey.pem (Let's Encrypt's file names, so the
# same nginx settings take a real certificate later: docs/deployment.md). ECDSA P-256, valid
# 365 days, subjectAltName NAME, localhost and 127.0.0.1. Existing files are kept unless
# FORCE=1.
set -euo pipefail
out=${1:-nginx/ssl}
name=${2:-localhost}
mkdir -p "$out"
if [ -s "$out/fullchain.pem" ] && [ -s "$out/privkey.pem" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "certs: $out/fullchain.pem exists (FORCE=1 to replace it)"
  exit 0
fi
san="DNS:localhost,IP:127.0.0.1,IP:::1"
[ "$name" = localhost ] || san="DNS:$name,$san"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 365 \
  -subj "/CN=$name/O=Pharos self-signed (testing only)" -addext "subjectAltName=$san" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" \
  -keyout "$out/privkey.pem" -out "$out/fullchain.pem" 2>/dev/null
chmod 600 "$out/privkey.pem"
echo "certs: wrote $out/fullchain.pem and $out/privkey.pem (self-signed for $name; testing only)"
