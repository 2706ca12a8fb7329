#!/bin/sh
# Renders Pharos's nginx configuration: copies every *.conf under SOURCE_DIR to OUTPUT_DIR,
# replacing each ${UPPER_CASE_NAME} with that environment variable (nginx's own variables are
# lower case and left alone). An undefined name is an error, never an empty string.
#
# One renderer for every way nginx runs: the compose service (nginx image, /bin/sh + awk),
# the native stack (`make stack`), `make validate` and the tests. The defaults below are the
# compose stack's values; the native stack and tests override ports, paths and upstreams.
#
#   nginx/render.sh SOURCE_DIR OUTPUT_DIR        then   nginx -p OUTPUT_DIR -c OUTPUT_DIR/nginx.conf
#
# List variables (space-separated):
#   NGINX_UPSTREAMS       gateway addresses host:port  -> one `server` line each (passive failover params)
#   NGINX_STATUS_ALLOW    who may read /stub_status    -> one `allow` line each
#   NGINX_REAL_IP_FROM    trusted proxies / load balancers in front of nginx -> `set_real_ip_from` lines
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: $0 SOURCE_DIR OUTPUT_DIR" >&2
  exit 2
fi
src=$1
out=$2

# --- defaults (the compose stack) -------------------------------------------------------------
: "${NGINX_WORKER_PROCESSES:=auto}"
: "${NGINX_WORKER_CONNECTIONS:=4096}"
: "${NGINX_SERVER_NAME:=_}"
: "${NGINX_HTTP_LISTEN:=80}"
: "${NGINX_HTTPS_LISTEN:=443}"
: "${NGINX_HTTPS_PORT_SUFFIX:=}"            # ":8443" when HTTPS is not on 443 (used in redirects)
: "${NGINX_STATUS_LISTEN:=8080}"            # stub_status, internal: never published
: "${NGINX_PLAIN_HTTP:=redirect}"           # redirect (HTTP -> HTTPS) | serve (TLS ends before nginx)
: "${NGINX_SSL_CERTIFICATE:=/etc/nginx/ssl/fullchain.pem}"
: "${NGINX_SSL_CERTIFICATE_KEY:=/etc/nginx/ssl/privkey.pem}"
: "${NGINX_HSTS_MAX_AGE:=63072000}"
: "${NGINX_ACME_ROOT:=/var/www/certbot}"
: "${NGINX_ACCESS_LOG:=/dev/stdout}"
: "${NGINX_UPSTREAMS:=gateway:4000}"
: "${NGINX_UPSTREAM_MAX_FAILS:=3}"
: "${NGINX_UPSTREAM_FAIL_TIMEOUT:=10s}"
: "${NGINX_UPSTREAM_KEEPALIVE:=64}"
: "${NGINX_UPSTREAM_KEEPALIVE_TIMEOUT:=4s}"  # shorter than the gateway's 5 s keep-alive
: "${NGINX_RATE_API:=10r/s}"
: "${NGINX_BURST_API:=20}"
: "${NGINX_RATE_CHAT:=5r/s}"
: "${NGINX_BURST_CHAT:=20}"
: "${NGINX_RATE_HEALTH:=30r/s}"
: "${NGINX_BURST_HEALTH:=60}"
: "${NGINX_STREAMS_PER_CLIENT:=20}"
: "${NGINX_RETRY_AFTER:=1}"
: "${NGINX_CLIENT_MAX_BODY_SIZE:=10m}"      # = general_settings.max_request_size_mb (default 10)
: "${NGINX_PROXY_READ_TIMEOUT:=600s}"       # = litellm_settings.request_timeout (seed: 600)
: "${NGINX_STATUS_ALLOW:=127.0.0.1 ::1 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}"
: "${NGINX_REAL_IP_FROM:=}"

# HTTP/2 on the TLS listener: nginx 1.25.1 replaced `listen … http2` with the `http2 on;`
# directive (the old form still works there, with a deprecation warning at every start; 1.22, as
# in Debian 12, knows only the old form). auto asks the nginx that will run the config
# (NGINX_BIN, else `nginx` on PATH); without one it assumes a current nginx.
: "${NGINX_HTTP2_SYNTAX:=auto}"              # auto | directive | listen
if [ "$NGINX_HTTP2_SYNTAX" = auto ]; then
  version=$("${NGINX_BIN:-nginx}" -v 2>&1 | sed -n 's|^nginx version: [^/]*/\([0-9][0-9]*\)\.\([0-9][0-9]*\)\.\([0-9][0-9]*\).*|\1 \2 \3|p') || version=""
  NGINX_HTTP2_SYNTAX=directive
  if [ -n "$version" ]; then
    # shellcheck disable=SC2086 # "major minor patch"
    set -- $version
    if [ "$1" -eq 1 ] && { [ "$2" -lt 25 ] || { [ "$2" -eq 25 ] && [ "$3" -lt 1 ]; }; }; then NGINX_HTTP2_SYNTAX=listen; fi
    set --
  fi
fi
case "$NGINX_HTTP2_SYNTAX" in
  directive) NGINX_HTTP2_LISTEN_FLAG="" NGINX_HTTP2_DIRECTIVE="http2 on;" ;;
  listen) NGINX_HTTP2_LISTEN_FLAG=" http2" NGINX_HTTP2_DIRECTIVE="# HTTP/2: on the listen line (nginx < 1.25.1)" ;;
  *) echo "render.sh: NGINX_HTTP2_SYNTAX must be auto, directive or listen, got '$NGINX_HTTP2_SYNTAX'" >&2; exit 2 ;;
esac

case "$NGINX_PLAIN_HTTP" in
  redirect | serve) ;;
  *) echo "render.sh: NGINX_PLAIN_HTTP must be redirect or serve, got '$NGINX_PLAIN_HTTP'" >&2; exit 2 ;;
esac
[ -n "$NGINX_UPSTREAMS" ] || { echo "render.sh: NGINX_UPSTREAMS is empty" >&2; exit 2; }

# --- list variables -> directives ---------------------------------------------------------------
lines() { # PREFIX SUFFIX ITEMS...: one "PREFIX item SUFFIX" per item, joined for one line of config
  prefix=$1 suffix=$2
  shift 2
  result=""
  for item in "$@"; do result="$result$prefix $item$suffix "; done
  printf '%s' "$result"
}
# shellcheck disable=SC2086 # word splitting is the point
NGINX_UPSTREAM_SERVERS=$(lines server " max_fails=$NGINX_UPSTREAM_MAX_FAILS fail_timeout=$NGINX_UPSTREAM_FAIL_TIMEOUT;" $NGINX_UPSTREAMS)
# shellcheck disable=SC2086
NGINX_STATUS_ALLOW_RULES=$(lines allow ";" $NGINX_STATUS_ALLOW)
# shellcheck disable=SC2086
NGINX_REAL_IP_RULES=$(lines set_real_ip_from ";" $NGINX_REAL_IP_FROM)

export NGINX_WORKER_PROCESSES NGINX_WORKER_CONNECTIONS NGINX_SERVER_NAME NGINX_HTTP_LISTEN NGINX_HTTPS_LISTEN \
  NGINX_HTTPS_PORT_SUFFIX NGINX_STATUS_LISTEN NGINX_PLAIN_HTTP NGINX_SSL_CERTIFICATE NGINX_SSL_CERTIFICATE_KEY \
  NGINX_HSTS_MAX_AGE NGINX_ACME_ROOT NGINX_ACCESS_LOG NGINX_UPSTREAM_KEEPALIVE NGINX_UPSTREAM_KEEPALIVE_TIMEOUT \
  NGINX_RATE_API NGINX_BURST_API NGINX_RATE_CHAT NGINX_BURST_CHAT NGINX_RATE_HEALTH NGINX_BURST_HEALTH \
  NGINX_STREAMS_PER_CLIENT NGINX_RETRY_AFTER NGINX_CLIENT_MAX_BODY_SIZE NGINX_PROXY_READ_TIMEOUT \
  NGINX_UPSTREAM_SERVERS NGINX_STATUS_ALLOW_RULES NGINX_REAL_IP_RULES NGINX_HTTP2_LISTEN_FLAG NGINX_HTTP2_DIRECTIVE

# --- render -----------------------------------------------------------------------------------
mkdir -p "$out"
cd "$src"
find . -name '*.conf' -type f | while read -r file; do
  mkdir -p "$out/$(dirname "$file")"
  awk -v file="$file" '
    {
      line = $0; rendered = ""
      while (match(line, /\$\{[A-Z][A-Z0-9_]*\}/)) {
        name = substr(line, RSTART + 2, RLENGTH - 3)
        if (!(name in ENVIRON)) {
          printf "render.sh: %s:%d: ${%s} is not defined\n", file, NR, name > "/dev/stderr"
          failed = 1
          exit 1
        }
        rendered = rendered substr(line, 1, RSTART - 1) ENVIRON[name]
        line = substr(line, RSTART + RLENGTH)
      }
      print rendered line
    }
    END { if (failed) exit 1 }
  ' "$file" > "$out/$file"
done
