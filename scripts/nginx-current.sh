#!/usr/bin/env bash
# The newest nginx Debian ships (unstable), unpacked beside its own loader and libraries so it
# runs on this Debian 12 machine without touching the system: the edge tests check nginx/ against
# it as well as against Debian 12's nginx 1.22. Nothing is installed; every file stays in DIR.
#
#   scripts/nginx-current.sh [--cached] [DIR]      DIR defaults to ~/.cache/pharos/nginx-current
#
# Prints the path of a wrapper that runs it (DIR/nginx). Kept for a week, then fetched again.
# --cached: never download; print the wrapper's path if it is there and runs, else exit 1.
set -euo pipefail

cached_only=false
if [ "${1:-}" = --cached ]; then
  cached_only=true
  shift
fi
dir=$(realpath -m "${1:-${XDG_CACHE_HOME:-$HOME/.cache}/pharos/nginx-current}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${NGINX_CURRENT_SUITE:-unstable}
wrapper="$dir/nginx"

if [ "$cached_only" = true ]; then
  [ -x "$wrapper" ] && "$wrapper" -v >/dev/null 2>&1 && echo "$wrapper" && exit 0
  exit 1
fi
if [ -x "$wrapper" ] && [ -z "$(find "$wrapper" -mtime +7)" ] && "$wrapper" -v >/dev/null 2>&1; then
  echo "$wrapper"
  exit 0
fi

# nginx, the libraries it links (and theirs), and the C library with its loader: the unstable
# builds need a newer glibc and OpenSSL than Debian 12 has.
PACKAGES=(nginx libc6 libcrypt1 libpcre2-8-0 libssl3t64 zlib1g libzstd1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsS --retry 3 "$mirror/dists/$suite/main/binary-amd64/Packages.xz" | xz -dc >"$work/Packages"
root="$work/root"
mkdir -p "$root"
for package in "${PACKAGES[@]}"; do
  file=$(awk -v want="$package" '
    /^Package: / { name = $2 }
    /^Filename: / && name == want { print $2; exit }
  ' "$work/Packages")
  [ -n "$file" ] || { echo "nginx-current: $package not found in $suite" >&2; exit 1; }
  curl -fsS --retry 3 -o "$work/package.deb" "$mirror/$file"
  dpkg-deb -x "$work/package.deb" "$root"
done

lib="$dir/root/usr/lib/x86_64-linux-gnu"
rm -rf "$dir"
mkdir -p "$dir"
mv "$root" "$dir/root"
cat >"$wrapper" <<EOF
#!/bin/sh
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$dir/root/usr/sbin/nginx" "\$@"
EOF
chmod +x "$wrapper"
# Every library resolves (a new dependency of a future nginx would show here, not in a test).
if "$lib/ld-linux-x86-64.so.2" --library-path "$lib" --list "$dir/root/usr/sbin/nginx" | grep -q "not found"; then
  echo "nginx-current: unresolved libraries:" >&2
  "$lib/ld-linux-x86-64.so.2" --library-path "$lib" --list "$dir/root/usr/sbin/nginx" | grep "not found" >&2
  exit 1
fi
"$wrapper" -v >/dev/null 2>&1 || { echo "nginx-current: $wrapper does not run" >&2; exit 1; }
echo "$wrapper"
