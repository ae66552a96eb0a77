#!/usr/bin/env bash
# Every test of the repository: first what `dotnet test` at the root runs (the quick inner loop: unit, TestKit and
# deployment-kit tests; the solution builds every project, the benchmark and the process tests included), then the
# slow multi-process tests (tests/KSpanActors.Processes.Tests: the published kspan-actors as separate processes,
# ~5 min). .ci/run calls this script.
#
# Usage: bash scripts/test-all.sh
#   KSPAN_BIN=<folder of a published kspan-actors> skips the `dotnet publish src/Host -c Release` the process tests run first.
# Exit status: non-zero as soon as one of the two runs fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
echo "== dotnet test (solution: quick tests)"
dotnet test KSpanActors.sln
quick=$((SECONDS - started))
echo "== dotnet test tests/KSpanActors.Processes.Tests (multi-process tests)"
dotnet test tests/KSpanActors.Processes.Tests
echo "test-all: quick tests ${quick}s, process tests $((SECONDS - started - quick))s"
