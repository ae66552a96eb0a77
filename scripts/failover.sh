#!/usr/bin/env bash
# Failover of kspan-actors replicas, as the scale-out issue asks:
#   an OTLP sink (tools/otlp-sink), fake API servers (tools/fake-kube: fake-1..fake-N streaming a capture) and
#   R `kspan-actors watch` processes on 127.0.0.1, configured only through environment variables, forming one Akka
#   cluster; once every replica is ready the stream starts, one replica that watches clusters gets `kill -9`
#   mid-stream, and the script measures how long until every cluster is watched again, then stops the survivors
#   (SIGTERM: they export what they hold) and compares the spans the sink got with the Event occurrences of the capture.
#
# Each replica reaches the fake clusters with its own bearer token (replica-1, replica-2...), so the fake servers'
# GET /fake/status tells which replica watches which cluster.
#
# Output: human lines, then as the LAST line one JSON object:
#   {"lost":N,"duplicated":N,"rewatch_seconds":X,"clusters":5,"replicas":3,"spans":N,...}
#   lost: expected (cluster, event uid, count) without any span; duplicated: extra copies of one (cluster, event uid, count);
#   rewatch_seconds: over the clusters the killed replica watched, the longest time from the kill to a watch opened by
#   a surviving replica (0 for a cluster a survivor was already watching); null if some cluster was never watched again.
# Exit status: 0 when lost = 0, duplicated = 0 and rewatch_seconds <= 30; 1 when a target is missed; 2 when the harness failed.
#
# Usage: scripts/failover.sh [--capture PATH] [--clusters 5] [--replicas 3] [--duration-s 25] [--kill-after-s 6]
#                            [--kill N|auto] [--ready-path /readyz] [--no-build] [--keep]
#   --kill auto: the replica that watches the most clusters just before the kill (the first seed only if no other does);
#   --kill none: no kill (a baseline: the same run without failover; rewatch_seconds is then 0).
#   --ready-path: what every replica must answer 200 before the stream starts (/healthz to try a build whose
#   replicas do not report ready yet). --keep: leave the logs, spans and kubeconfigs in the work folder.
# Needs: bash, curl, python3, dotnet. Every wait is bounded; every process started here is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CAPTURE="$ROOT/tests/KSpanActors.Tests/Fixtures/replay/rollout.capture.yaml"
CLUSTERS=5
REPLICAS=3
DURATION_S=25
KILL_AFTER_S=6
KILL=auto
BUILD=1
KEEP=0
SETTLE="00:00:02"
READY_TIMEOUT_S=180
READY_PATH=/readyz
REWATCH_TIMEOUT_S=60
REWATCH_TARGET_S=30

while [[ $# -gt 0 ]]; do
  case "$1" in
    --capture) CAPTURE="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --clusters) CLUSTERS="$2"; shift 2 ;;
    --replicas) REPLICAS="$2"; shift 2 ;;
    --duration-s) DURATION_S="$2"; shift 2 ;;
    --kill-after-s) KILL_AFTER_S="$2"; shift 2 ;;
    --kill) KILL="$2"; shift 2 ;;
    --ready-path) READY_PATH="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "failover.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kspan-failover.XXXXXX")"
declare -a PIDS=()
declare -A REPLICA_PID=()

log() { echo "[$(date +%H:%M:%S)] $*"; }

# One JSON object as the last line, also when the harness itself fails.
fail() {
  log "FAILED: $1"
  python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1], "lost": None, "duplicated": None, "rewatch_seconds": None, "clusters": int(sys.argv[2]), "replicas": int(sys.argv[3]), "spans": None, "work": sys.argv[4]}))' \
    "$1" "$CLUSTERS" "$REPLICAS" "$WORK"
  exit 2
}

alive() { kill -0 "$1" 2>/dev/null; }

# Stops a process we started: SIGTERM, up to $2 seconds, then SIGKILL. Sets STOPPED_WITH to its exit status
# (137 when it had to be killed). Runs in this shell (not in $(...)): only the parent can wait for a child.
STOPPED_WITH=0
stop_process() {
  local pid="$1" grace="${2:-10}" i
  STOPPED_WITH=0
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || STOPPED_WITH=$?
}

cleanup() {
  local pid
  exec 2>/dev/null # no job notices ("Killed") after the JSON line
  for pid in "${PIDS[@]}"; do
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  if [[ $KEEP != 1 ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build --------------------------------------------------------------------------------------------------------
if [[ $BUILD == 1 ]]; then
  log "building (Release): kspan-actors, fake-kube, otlp-sink"
  for project in src/Host/KSpanActors.Host.csproj tools/fake-kube/FakeKube.Tool.csproj tools/otlp-sink/OtlpSink.csproj; do
    dotnet build "$ROOT/$project" -c Release -nologo -v quiet >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; fail "dotnet build $project failed"; }
  done
fi
KSPAN="$ROOT/src/Host/bin/Release/net10.0/kspan-actors.dll"
FAKE="$ROOT/tools/fake-kube/bin/Release/net10.0/fake-kube.dll"
SINK="$ROOT/tools/otlp-sink/bin/Release/net10.0/otlp-sink.dll"
for f in "$KSPAN" "$FAKE" "$SINK"; do [[ -f $f ]] || fail "$f is missing (build first, or drop --no-build)"; done
[[ -f $CAPTURE ]] || fail "capture $CAPTURE not found"

# waits until command "$2..." succeeds, at most $1 seconds
wait_for() {
  local timeout="$1" deadline; shift
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.25
  done
}

# ---- ports: R remoting ports and R HTTP ports, free on 127.0.0.1 now -------------------------------------------------
read -r -a PORTS <<<"$(python3 - "$((REPLICAS * 2))" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
)"
AKKA_PORTS=("${PORTS[@]:0:REPLICAS}")
HTTP_PORTS=("${PORTS[@]:REPLICAS:REPLICAS}")

# ---- the OTLP sink ----------------------------------------------------------------------------------------------------
dotnet "$SINK" --port 0 --out "$WORK/spans.jsonl" --ready-file "$WORK/sink.url" >"$WORK/sink.log" 2>&1 &
PIDS+=($!); SINK_PID=$!
wait_for 60 test -s "$WORK/sink.url" || fail "otlp-sink did not start (see $WORK/sink.log)"
SINK_URL="$(tr -d '\n' <"$WORK/sink.url")"
log "otlp-sink on $SINK_URL"

# ---- the fake clusters ------------------------------------------------------------------------------------------------
mkdir -p "$WORK/kube"
dotnet "$FAKE" --clusters "$CLUSTERS" --capture "$CAPTURE" --dir "$WORK/kube" --duration-s "$DURATION_S" --go-file "$WORK/go" >"$WORK/fake-kube.log" 2>&1 &
PIDS+=($!); FAKE_PID=$!
wait_for 60 test -s "$WORK/kube/servers.json" || fail "fake-kube did not start (see $WORK/fake-kube.log)"
log "fake clusters: $(python3 -c 'import json,sys; print(", ".join(s["name"] + " " + s["url"] for s in json.load(open(sys.argv[1]))))' "$WORK/kube/servers.json")"

# ---- the replicas -----------------------------------------------------------------------------------------------------
start_replica() {
  local r="$1" c
  local -a env=(
    "KSpan__Pipeline__Hostname=127.0.0.1"
    "KSpan__Pipeline__Port=${AKKA_PORTS[r - 1]}"
    "KSpan__Pipeline__SeedNodes__0=akka.tcp://kspan@127.0.0.1:${AKKA_PORTS[0]}"
    "KSpan__Pipeline__SettleAfter=$SETTLE"
    "KSpan__Http__Address=127.0.0.1"
    "KSpan__Http__Port=${HTTP_PORTS[r - 1]}"
    "OTEL_EXPORTER_OTLP_ENDPOINT=$SINK_URL"
  )
  if ((REPLICAS > 1)); then env+=("KSpan__Pipeline__SeedNodes__1=akka.tcp://kspan@127.0.0.1:${AKKA_PORTS[1]}"); fi
  mkdir -p "$WORK/kube/replica-$r"
  for ((c = 1; c <= CLUSTERS; c++)); do
    # the same cluster, reached with this replica's own token, so /fake/status tells the replicas apart
    sed 's/token: "fake-token"/token: "replica-'"$r"'"/' "$WORK/kube/fake-$c.kubeconfig" >"$WORK/kube/replica-$r/fake-$c.kubeconfig"
    env+=(
      "KSpan__Clusters__$((c - 1))__Name=fake-$c"
      "KSpan__Clusters__$((c - 1))__Kubeconfig=$WORK/kube/replica-$r/fake-$c.kubeconfig"
      "KSpan__Clusters__$((c - 1))__Context=fake-$c"
    )
  done
  (cd "$WORK" && exec env "${env[@]}" dotnet "$KSPAN" watch --quiet) >"$WORK/replica-$r.log" 2>&1 &
  PIDS+=($!); REPLICA_PID[$r]=$!
}

for ((r = 1; r <= REPLICAS; r++)); do start_replica "$r"; done
log "replicas: $(for ((r = 1; r <= REPLICAS; r++)); do printf 'replica-%s pid %s akka %s http %s; ' "$r" "${REPLICA_PID[$r]}" "${AKKA_PORTS[r - 1]}" "${HTTP_PORTS[r - 1]}"; done)"

ready() { [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1$READY_PATH")" == 200 ]]; }
for ((r = 1; r <= REPLICAS; r++)); do
  alive "${REPLICA_PID[$r]}" || { tail -20 "$WORK/replica-$r.log" >&2; fail "replica-$r exited at start-up (see $WORK/replica-$r.log)"; }
  wait_for "$READY_TIMEOUT_S" ready "${HTTP_PORTS[r - 1]}" || { tail -20 "$WORK/replica-$r.log" >&2; fail "replica-$r never answered $READY_PATH 200 within ${READY_TIMEOUT_S}s"; }
done
log "every replica answers $READY_PATH 200"

# ---- who watches what (from the fake servers) -------------------------------------------------------------------------
# prints one JSON object: {"fake-1": {"replica-1": {"open": n, "first": iso, "last": iso, "opened": n}, ...}, ...}
watch_status() {
  python3 - "$WORK/kube/servers.json" <<'PY'
import json, sys, urllib.request
out = {}
for s in json.load(open(sys.argv[1])):
    with urllib.request.urlopen(s["url"] + "/fake/status", timeout=2) as r:
        status = json.load(r)
    out[s["name"]] = {
        "pending": status["pendingDocuments"],
        "clients": {k: {"open": v["openWatches"], "opened": v["watchesOpened"], "first": v["firstWatchOpenedUtc"], "last": v["lastWatchOpenedUtc"]}
                    for k, v in status.get("clients", {}).items()},
    }
print(json.dumps(out))
PY
}

# ---- stream, kill ---------------------------------------------------------------------------------------------------
touch "$WORK/go"
log "stream started (${DURATION_S}s per cluster); killing a replica in ${KILL_AFTER_S}s"
sleep "$KILL_AFTER_S"
BEFORE="$(watch_status)" || fail "cannot read /fake/status"
echo "$BEFORE" >"$WORK/before-kill.json"
if [[ $KILL == auto ]]; then
  # the replica (not the first seed, if another one qualifies) that watches the most clusters
  KILL="$(python3 - "$REPLICAS" "$BEFORE" <<'PY'
import json, sys
replicas, status = int(sys.argv[1]), json.loads(sys.argv[2])
watched = {r: sum(1 for c in status.values() if c["clients"].get(f"replica-{r}", {}).get("open", 0) > 0) for r in range(1, replicas + 1)}
candidates = [r for r in range(2, replicas + 1) if watched[r] > 0] or [r for r in range(1, replicas + 1) if watched[r] > 0] or [min(2, replicas)]
print(max(candidates, key=lambda r: (watched[r], -r)))
PY
)"
fi
KILL_TIME="$(date +%s.%N)"
if [[ $KILL == none ]]; then
  KILL=0
  log "no kill (baseline)"
else
  [[ -n "${REPLICA_PID[$KILL]:-}" ]] || fail "--kill $KILL: no such replica"
  alive "${REPLICA_PID[$KILL]}" || fail "replica-$KILL had already exited before the kill"
  KILL_TIME="$(date +%s.%N)"
  kill -KILL "${REPLICA_PID[$KILL]}"
  wait "${REPLICA_PID[$KILL]}" 2>/dev/null || true
  log "kill -9 replica-$KILL (pid ${REPLICA_PID[$KILL]}), which watched: $(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(", ".join(c for c, v in s.items() if v["clients"].get("replica-"+sys.argv[2], {}).get("open", 0) > 0) or "no cluster")' "$BEFORE" "$KILL")"
fi

# ---- rewatch ---------------------------------------------------------------------------------------------------------
# Polls until every cluster has an open watch from a surviving replica (bounded); writes rewatch.json.
rewatch() {
  python3 - "$WORK/kube/servers.json" "$BEFORE" "$KILL" "$KILL_TIME" "$REPLICAS" "$REWATCH_TIMEOUT_S" "$WORK/rewatch.json" <<'PY'
import json, sys, time, urllib.request
from datetime import datetime
servers, before, killed, kill_time, replicas, timeout, out = json.load(open(sys.argv[1])), json.loads(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
killed_token = f"replica-{killed}"
survivors = [f"replica-{r}" for r in range(1, replicas + 1) if str(r) != killed]
def ts(iso):  # "2024-05-02T12:00:00.1234567Z" -> unix seconds
    return datetime.fromisoformat(iso[:26].rstrip("Z") + "+00:00").timestamp() if iso else None
affected = [n for n, v in before.items() if v["clients"].get(killed_token, {}).get("open", 0) > 0]
already = {n: [t for t in survivors if v["clients"].get(t, {}).get("open", 0) > 0] for n, v in before.items()}
result = {n: None for n in before}
deadline = time.time() + timeout
while True:
    now = time.time()
    for s in servers:
        n = s["name"]
        if result[n] is not None:
            continue
        with urllib.request.urlopen(s["url"] + "/fake/status", timeout=2) as r:
            clients = json.load(r).get("clients", {})
        watching = [t for t in survivors if clients.get(t, {}).get("openWatches", 0) > 0]
        if not watching:
            continue
        if n not in affected or any(t in already[n] for t in watching):
            result[n] = {"seconds": 0.0, "by": watching}
            continue
        # the first watch a survivor opened after the kill; when it had watched this cluster earlier, the poll time bounds it
        opened = [ts(clients[t]["firstWatchOpenedUtc"]) for t in watching]
        opened = [o for o in opened if o is not None and o >= kill_time]
        at = min(opened) if opened else now
        result[n] = {"seconds": round(max(0.0, at - kill_time), 3), "by": watching}
    if all(v is not None for v in result.values()) or now > deadline:
        break
    time.sleep(0.2)
unwatched = sorted(n for n, v in result.items() if v is None)
seconds = None if unwatched else max([result[n]["seconds"] for n in affected] or [0.0])
json.dump({"affected": affected, "clusters": result, "unwatched": unwatched, "rewatch_seconds": seconds}, open(out, "w"))
PY
}
rewatch || fail "cannot poll the fake servers for the rewatch"
log "rewatch: $(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("; ".join(n + (" NOT watched again" if v is None else " %ss by %s" % (v["seconds"], ",".join(v["by"]))) for n, v in r["clusters"].items()))' "$WORK/rewatch.json")"

# ---- the end of the stream, settle, stop ------------------------------------------------------------------------------
stream_ended() { python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if all(v["pending"] == 0 for v in s.values()) else 1)' "$(watch_status)"; }
wait_for "$((DURATION_S + 60))" stream_ended || log "the stream did not end in time (continuing)"
log "stream ended; letting traces settle"
# Settle (2 s) plus the time an object waits before it declares itself an orphan (4 settle periods), with margin.
sleep 12

declare -A EXIT_CODES=()
STOP_GRACE_S=60
# A rolling scale-down: one replica at a time leaves (its state moves to the others), the last one exports the rest.
for ((r = 1; r <= REPLICAS; r++)); do
  [[ $r == "$KILL" ]] && continue
  if alive "${REPLICA_PID[$r]}"; then kill -TERM "${REPLICA_PID[$r]}" 2>/dev/null || true; fi
  for ((i = 0; i < STOP_GRACE_S * 10; i++)); do alive "${REPLICA_PID[$r]}" || break; sleep 0.1; done
done
log "SIGTERM sent to the surviving replicas one at a time; waiting up to ${STOP_GRACE_S}s for them to export and exit"
survivors_alive() {
  local r
  for ((r = 1; r <= REPLICAS; r++)); do [[ $r != "$KILL" ]] && alive "${REPLICA_PID[$r]}" && return 0; done
  return 1
}
wait_for "$STOP_GRACE_S" eval '! survivors_alive' || log "some replicas did not exit within ${STOP_GRACE_S}s: killing them"
for ((r = 1; r <= REPLICAS; r++)); do
  [[ $r == "$KILL" ]] && continue
  stop_process "${REPLICA_PID[$r]}" 0
  EXIT_CODES[$r]=$STOPPED_WITH
  log "replica-$r stopped with exit status ${EXIT_CODES[$r]}: $(grep -E 'Stopped:' "$WORK/replica-$r.log" | tail -1 | sed 's/^.*Stopped: //')"
done
stop_process "$FAKE_PID" 10
stop_process "$SINK_PID" 10
log "$(tail -1 "$WORK/sink.log")"

# ---- the comparison -------------------------------------------------------------------------------------------------
EXITS="$(for r in "${!EXIT_CODES[@]}"; do printf '"replica-%s":%s,' "$r" "${EXIT_CODES[$r]}"; done)"
python3 - "$WORK/kube/expected.json" "$WORK/spans.jsonl" "$WORK/rewatch.json" "$KILL" "$REPLICAS" "{${EXITS%,}}" "$REWATCH_TARGET_S" "$WORK" "$KEEP" <<'PY'
import json, sys
from collections import Counter
expected, spans_path, rewatch_path, killed, replicas, exits, target, work, keep = sys.argv[1:10]
expected, rewatch, exits = json.load(open(expected)), json.load(open(rewatch_path)), json.loads(exits)
want = [(o["uid"], int(o["count"])) for o in expected["occurrences"]]
spans = []
try:
    with open(spans_path) as f:
        spans = [json.loads(line) for line in f if line.strip()]
except FileNotFoundError:
    pass
got = Counter((s["cluster"], s["event_uid"], int(s["count"] or 1)) for s in spans if s.get("event_uid"))
span_ids = Counter((s["trace"], s["span"]) for s in spans)
lost = duplicated = 0
for cluster in expected["clusters"]:
    c_lost = sum(1 for uid, n in want if got[(cluster, uid, n)] == 0)
    c_dup = sum(max(0, got[(cluster, uid, n)] - 1) for uid, n in want)
    lost, duplicated = lost + c_lost, duplicated + c_dup
    r = rewatch["clusters"].get(cluster)
    print(f"{cluster}: {len(want)} occurrences expected, {sum(got[(cluster, u, n)] for u, n in want)} event spans received, "
          f"{c_lost} lost, {c_dup} duplicated; " + ("never watched again" if r is None else f"watched again after {r['seconds']}s by {','.join(r['by'])}"))
wanted = {(c, u, n) for c in expected["clusters"] for u, n in want}
unexpected = sum(v for k, v in got.items() if k not in wanted)
same_id = sum(v - 1 for v in span_ids.values() if v > 1)
print(f"spans received: {len(spans)} ({sum(got.values())} event spans, {unexpected} for unexpected occurrences, {same_id} repeated span ids)")
print((f"replica-{killed} was killed" if killed != "0" else "no replica was killed") + f"; the others exited with {exits}")
if keep == "1":
    print(f"work files: {work}")
result = {
    "lost": lost, "duplicated": duplicated, "rewatch_seconds": rewatch["rewatch_seconds"],
    "clusters": len(expected["clusters"]), "replicas": int(replicas), "spans": len(spans),
    "killed": f"replica-{killed}" if killed != "0" else None, "affected": rewatch["affected"], "unwatched": rewatch["unwatched"],
    "unexpected": unexpected, "repeated_span_ids": same_id, "exit_codes": exits,
}
print(json.dumps(result, separators=(",", ":")))
ok = lost == 0 and duplicated == 0 and result["rewatch_seconds"] is not None and result["rewatch_seconds"] <= float(target)
sys.exit(0 if ok else 1)
PY
