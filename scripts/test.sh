#!/usr/bin/env bash
# The test command (npm test): checks, unit + integration suites on Deno and on Bun,
# then end-to-end tests against the built binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
export NO_COLOR=1

step() { printf '\n== %s\n' "$*"; }

step "format, lint and type checks (deno)"
$bin/deno fmt --check
$bin/deno lint
$bin/deno check mod.ts cli/main.ts scripts/ tests/

step "unit + integration tests on Deno"
$bin/deno test -A --quiet tests/unit/
# One process per integration file: node-datachannel loaded by a second test file's isolate in
# the same Deno process panics Deno ("Handle hosted by disposed Isolate").
for file in tests/integration/*.test.ts; do
  $bin/deno test -A --quiet "$file"
done

step "unit + integration tests on Bun"
$bin/bun test --timeout 120000 tests/unit/ tests/integration/

step "build the binaries"
$bin/bun scripts/build.ts

step "end-to-end tests against the binaries (run by Bun)"
$bin/bun test --timeout 300000 tests/e2e/
