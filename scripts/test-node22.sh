#!/usr/bin/env bash
# package.json says Node >= 22: run the unit tests on the oldest supported LTS line too (the
# main test run uses Node 24, the runtime Pharos ships on). Node 22 comes from the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock node@22 >/dev/null 2>&1
node22="$dir/node_modules/.bin/node"
echo "unit tests on $("$node22" --version)"
"$node22" node_modules/vitest/vitest.mjs run gateway/src loadtest/src
