#!/usr/bin/env bash
# Makes sure everything the tests need is on this machine and running, installing only what is
# missing (idempotent; safe to run again). Debian packages need root; Redis and PostgreSQL are
# started with the commands this machine kind uses when they are not answering.
set -euo pipefail

# Debian packages the test suite uses (binaries in brackets are what the tests call):
PACKAGES=(
  redis-server              # [redis-server, redis-cli] state, cache, rate limits; private instances for outage tests
  postgresql                # [pg_ctlcluster, initdb] keys and spend logs; private instances for outage tests
  prometheus                # [prometheus, promtool] scrape, rules, alert tests
  prometheus-alertmanager   # [prometheus-alertmanager, amtool]
  prometheus-node-exporter  # native stack
  prometheus-nginx-exporter # native stack
  nginx                     # edge tests (rate limits, TLS, SSE)
  chromium                  # the load harness's HTML report rendered headless
  docker-compose            # `docker-compose config` validates the compose file (no engine needed)
  openssl                   # test certificates
  procps                    # ps, pgrep
  curl
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Redis on 127.0.0.1:6379
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "test-deps: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

# PostgreSQL on 127.0.0.1:5432, reachable as postgres without a password (database `test`)
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "test-deps: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if [ -f "$hba" ] && ! grep -q "pharos-test trust" "$hba"; then
    printf 'host all all 127.0.0.1/32 trust # pharos-test trust\nhost all all ::1/128 trust # pharos-test trust\n' | cat - "$hba" > "$hba.new" && mv "$hba.new" "$hba"
    chown postgres:postgres "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" postgres | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" postgres >/dev/null

# The newest nginx from Debian unstable, unpacked in a cache dir (not installed): the edge tests
# run against it too (vitest project "edge on current nginx").
current_nginx=$(bash "$(dirname "$0")/nginx-current.sh")
echo "test-deps: current nginx for the edge tests: $("$current_nginx" -v 2>&1) ($current_nginx)"

echo "test-deps: ready (Redis, PostgreSQL, ${#PACKAGES[@]} Debian packages, current nginx)"
