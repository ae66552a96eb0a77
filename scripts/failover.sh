#!/usr/bin/env bash
# Failover of kspan-actors replicas (the scale-out issue's acceptance run), as a thin wrapper over the multi-process
# test harness (tests/KSpanActors.Processes.Tests, KSpanFleet): the published kspan-actors binary as three `watch`
# processes on 127.0.0.1 configured only through environment variables, three fake API servers streaming rollouts,
# an OTLP receiver; the replica watching the busiest cluster gets `kill -9` mid-stream. The test asserts 0 lost,
# 0 duplicated, every trace whole and every cluster of the dead replica watched again within 10 s.
#
# Prints the harness's log and, last, its FIGURES line (lost, duplicated, seconds until each cluster was watched again).
# Exit status: dotnet test's (0 when every assertion held).
#
# Usage: scripts/failover.sh [more dotnet test arguments]
#   KSPAN_BIN=<folder of a published kspan-actors> skips the `dotnet publish src/Host -c Release` the harness runs first.
#   Process logs stay under ${TMPDIR:-/tmp}/kspan-fleet/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mktemp -t kspan-failover.XXXXXX)"
trap 'rm -f "$OUT"' EXIT
status=0
dotnet test "$ROOT/tests/KSpanActors.Processes.Tests" --filter "Category=Failover" --logger "console;verbosity=normal" "$@" >"$OUT" 2>&1 || status=$?
grep -E '^\s+\[ *[0-9.]+s\]|Passed |Failed ' "$OUT" | sed 's/^\s*//' | awk '!seen[$0]++' || true
grep -A1 -m1 'Error Message:' "$OUT" | tail -n 1 | sed 's/^\s*/failed: /' || true
grep -m1 -o 'FIGURES.*' "$OUT" || { tail -40 "$OUT"; echo "failover.sh: the harness printed no figures (dotnet test exit $status)" >&2; }
exit "$status"
