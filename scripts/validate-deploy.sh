#!/usr/bin/env bash
# Validates the deployment kit without a cluster or a Docker daemon:
#   1. renders deploy/base and deploy/overlays/replicas-3 with `kubectl kustomize`;
#   2. checks docker-compose.yml with `docker-compose config -q`;
#   3. checks the rendered manifests:
#      - every Role/ClusterRole rule has only the verbs get, list, watch;
#      - no rule names secrets or configmaps;
#      - no `*` anywhere in the rules (apiGroups, resources, verbs, resourceNames, nonResourceURLs);
#      - every container (and init/ephemeral container) runs with runAsNonRoot: true (its own, or the pod's
#        when it sets none) and readOnlyRootFilesystem: true;
#      and in the compose file, every service running the kspan-actors image is read_only and not root.
# Before that it runs the checks on small known-bad documents (a self-test), so a checker that stopped
# seeing violations fails too.
#
# Usage: scripts/validate-deploy.sh            (from anywhere inside the repository)
#        scripts/validate-deploy.sh --check FILE   (only the manifest checks, on an already rendered FILE)
# Exit status: 0 when everything holds, 1 on any violation (each one printed), 2 when a tool is missing.
#
# It installs nothing. What .ci/run must provide (Debian 12, as root):
#
#   apt-get update && apt-get install -y --no-install-recommends docker-compose
#
# - docker-compose: Debian's 1.29.2 (Python). `config` needs no Docker daemon. `--no-install-recommends`
#   keeps docker.io/containerd out (the daemon is not needed). A Compose v2 `docker compose` works as well.
# - kubectl: NOT from Debian. The machine image already ships kubectl 1.32 (Debian package `kubectl`
#   1:528.0.0-0 from the Google Cloud SDK repository, with kustomize v5.5.0); that repository is not
#   reachable from here, so it cannot be (re)installed with apt. Debian's own `kubernetes-client`
#   (1.20.2) is too old: its built-in kustomize v2.0.3 rejects both `patches:` and a directory in
#   `resources:`, which deploy/overlays/replicas-3 uses. A standalone `kustomize` (v4+) on PATH is used
#   when kubectl is missing. The script checks the kustomize version and says so when it is too old.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

die_tool() { echo "validate-deploy: $*" >&2; exit 2; }

# ---- YAML flattening -------------------------------------------------------------------------------------
# Turns block-style YAML (as kustomize and docker-compose print it) into one line per scalar:
#   DOC<TAB>KIND<TAB>NAME<TAB>path.to[0].key<TAB>value
# Sequence items get their index; flow sequences ([a, "b"]) are expanded; block scalars (| >) are skipped.
flatten() {
  awk '
    function strip(v) {
      sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
      if (v ~ /^".*"$/ || v ~ /^\x27.*\x27$/) v = substr(v, 2, length(v) - 2)
      return v
    }
    function path(   i, p) {
      p = ""
      for (i = 1; i <= n; i++) {
        if (kind_[i] == "item") p = p "[" idx[i] "]"
        else p = (p == "" ? key[i] : p "." key[i])
      }
      return p
    }
    function emit(p, v,   parts, m, j, inner) {
      if (v ~ /^\[.*\]$/) {
        inner = substr(v, 2, length(v) - 2)
        m = split(inner, parts, ",")
        for (j = 1; j <= m; j++) if (strip(parts[j]) != "" || m > 1) out(p "[" (j - 1) "]", strip(parts[j]))
        return
      }
      out(p, strip(v))
    }
    function out(p, v) { rec[++nrec] = doc "\t" p "\t" v; if (p == "kind") dkind[doc] = v; if (p == "metadata.name") dname[doc] = v }
    # pops stack entries deeper than indent d; at indent d, pops keys (keep_key=0) or items only (keep_key=1)
    function pop(d, keep_key) {
      while (n > 0 && (ind[n] > d || (ind[n] == d && (!keep_key || kind_[n] == "item")))) n--
    }
    # handles "key: value" or "key:" at indent d
    function keyline(d, s,   k, v) {
      if (!match(s, /^("[^"]*"|\x27[^\x27]*\x27|[^:#]+):( |$)/)) return 0
      k = strip(substr(s, 1, RLENGTH - (substr(s, RLENGTH, 1) == " " ? 2 : 1)))
      v = substr(s, RLENGTH + 1)
      sub(/[ \t]+#.*$/, "", v)
      pop(d, 0)
      n++; ind[n] = d; kind_[n] = "key"; key[n] = k; nextidx[n] = 0
      if (strip(v) ~ /^[|>][-+0-9]*$/) { block = d; n--; return 1 }
      if (strip(v) != "") { emit(path(), v); n-- }
      return 1
    }
    BEGIN { doc = 1; n = 0; block = -1; nrec = 0 }
    /^---/ { doc++; n = 0; block = -1; next }
    /^[ \t]*(#.*)?$/ { next }
    {
      line = $0
      match(line, /^ */); d = RLENGTH; s = substr(line, d + 1)
      if (block >= 0) { if (d > block) next; block = -1 }
      if (s ~ /^- / || s == "-") {
        pop(d, 1)
        # the parent is the entry just below; count its items
        parent = n
        i = (parent > 0 ? nextidx[parent]++ : 0)
        n++; ind[n] = d; kind_[n] = "item"; idx[n] = i; nextidx[n] = 0
        rest = (s == "-" ? "" : substr(s, 3))
        # "- - x" nested sequences do not occur in these files
        if (rest == "") next
        if (!keyline(d + 2, rest)) emit(path(), rest)
        next
      }
      keyline(d, s)
    }
    END {
      for (r = 1; r <= nrec; r++) {
        split(rec[r], f, "\t")
        print f[1] "\t" (f[1] in dkind ? dkind[f[1]] : "") "\t" (f[1] in dname ? dname[f[1]] : "") "\t" f[2] "\t" f[3]
      }
    }
  '
}

# ---- checks ----------------------------------------------------------------------------------------------
# Reads flattened records; prints one line per violation; the caller counts them.
check_rbac() {
  awk -F '\t' '
    $2 != "ClusterRole" && $2 != "Role" { next }
    $4 !~ /^rules\[/ { next }
    {
      where = $2 "/" $3 " " $4
      if (index($5, "*") || index($4, "*")) print "RBAC: wildcard in a rule: " where "=" $5
      if ($4 ~ /\.verbs\[[0-9]+\]$/ && $5 != "get" && $5 != "list" && $5 != "watch")
        print "RBAC: verb other than get/list/watch: " where "=" $5
      if ($4 ~ /\.verbs$/) print "RBAC: verbs is not a list: " where "=" $5
      if ($5 ~ /(^|\/)(secrets|configmaps)(\/|$)/) print "RBAC: rule names " $5 ": " where
    }
  '
}

check_containers() {
  awk -F '\t' '
    {
      v[$1 "\t" $4] = $5
      if ($4 ~ /(^|\.)(containers|initContainers|ephemeralContainers)\[[0-9]+\]\.name$/) {
        c = $4; sub(/\.name$/, "", c)
        nc++; cdoc[nc] = $1; cpath[nc] = c; ckind[nc] = $2; cres[nc] = $3; cname[nc] = $5
      }
    }
    END {
      for (i = 1; i <= nc; i++) {
        d = cdoc[i]; c = cpath[i]
        pod = c; sub(/\.(containers|initContainers|ephemeralContainers)\[[0-9]+\]$/, "", pod)
        who = ckind[i] "/" cres[i] " container " cname[i]
        own = (d "\t" c ".securityContext.runAsNonRoot")
        podk = (d "\t" (pod == "" ? "" : pod ".") "securityContext.runAsNonRoot")
        nonroot = (own in v) ? v[own] : ((podk in v) ? v[podk] : "")
        if (nonroot != "true") print "Pod security: " who " has no runAsNonRoot: true (got \"" nonroot "\")"
        ro = d "\t" c ".securityContext.readOnlyRootFilesystem"
        if (!(ro in v) || v[ro] != "true") print "Pod security: " who " has no readOnlyRootFilesystem: true"
      }
      if (nc == 0) print "Pod security: no container found in the rendered manifests (nothing was checked)"
    }
  '
}

check_compose() {
  awk -F '\t' '
    $4 ~ /^services\.[^.]+\.image$/ && $5 ~ /kspan-actors/ { s = $4; sub(/\.image$/, "", s); mine[s] = 1 }
    { v[$4] = $5 }
    END {
      for (s in mine) {
        name = s; sub(/^services\./, "", name)
        if (v[s ".read_only"] != "true") print "Compose: service " name " is not read_only: true"
        u = v[s ".user"]; sub(/:.*/, "", u)
        if (u == "" || u == "0" || u == "root") print "Compose: service " name " runs as root (user \"" v[s ".user"] "\")"
      }
    }
  '
}

# Runs the manifest checks on one rendered file; prints violations, returns their count (capped) as status.
check_manifests() {
  local file="$1" flat violations
  flat="$(flatten < "$file")"
  violations="$( { printf '%s\n' "$flat" | check_rbac; printf '%s\n' "$flat" | check_containers; } )"
  if [[ -n "$violations" ]]; then
    printf '%s\n' "$violations" | sed "s|^|  $(basename "$file"): |"
    return 1
  fi
  return 0
}

# ---- self-test -------------------------------------------------------------------------------------------
self_test() {
  local tmp failed=0
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN

  cat > "$tmp/good.yaml" <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ok
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs: [get, "list", watch]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ok
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
      - name: a
        command:
        - |
          not: a key
        securityContext:
          readOnlyRootFilesystem: true
EOF
  if ! check_manifests "$tmp/good.yaml" > "$tmp/good.out"; then
    echo "self-test: a valid document was reported:"; cat "$tmp/good.out"; failed=1
  fi

  # Each bad document must produce the message given beside it.
  local -a cases=(
    "verb other than get/list/watch|verbs: [get, list, watch, create]"
    "wildcard in a rule|resources: ['*']"
    "wildcard in a rule|apiGroups: ['*']"
    "rule names secrets|resources: [pods, secrets]"
    "rule names configmaps|resources: [configmaps]"
  )
  local entry msg line
  for entry in "${cases[@]}"; do
    msg="${entry%%|*}"; line="${entry#*|}"
    {
      printf 'kind: ClusterRole\nmetadata:\n  name: bad\nrules:\n- apiGroups: [""]\n'
      case "$line" in
        verbs:*) printf '  resources: [pods]\n  %s\n' "$line" ;;
        apiGroups:*) printf '  %s\n  resources: [pods]\n  verbs: [get]\n' "$line" ;;
        *) printf '  %s\n  verbs: [get]\n' "$line" ;;
      esac
    } > "$tmp/bad.yaml"
    if check_manifests "$tmp/bad.yaml" > "$tmp/bad.out" || ! grep -q "$msg" "$tmp/bad.out"; then
      echo "self-test: not caught ($msg) in: $line"; failed=1
    fi
  done

  cat > "$tmp/root.yaml" <<'EOF'
kind: StatefulSet
metadata:
  name: bad
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      initContainers:
      - name: init
        securityContext:
          runAsNonRoot: false
          readOnlyRootFilesystem: true
      containers:
      - name: main
        securityContext:
          readOnlyRootFilesystem: false
EOF
  check_manifests "$tmp/root.yaml" > "$tmp/root.out" || true
  grep -q "container init has no runAsNonRoot" "$tmp/root.out" || { echo "self-test: runAsNonRoot: false not caught"; failed=1; }
  grep -q "container main has no readOnlyRootFilesystem" "$tmp/root.out" || { echo "self-test: readOnlyRootFilesystem: false not caught"; failed=1; }
  if grep -q "container main has no runAsNonRoot" "$tmp/root.out"; then
    echo "self-test: the pod-level runAsNonRoot was not inherited"; failed=1
  fi
  return "$failed"
}

# ---- main ------------------------------------------------------------------------------------------------
if [[ "${1:-}" == "--check" ]]; then
  [[ -f "${2:-}" ]] || die_tool "--check needs a rendered manifest file"
  if check_manifests "$2"; then echo "validate-deploy: $2: no violation"; exit 0; fi
  exit 1
fi

passed=0
failed=0
pass() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# Tools.
render=()
if command -v kubectl > /dev/null 2>&1; then
  kz_major="$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\{0,1\}\([0-9][0-9]*\).*/\1/p')"
  if [[ -z "$kz_major" || "$kz_major" -lt 4 ]]; then
    die_tool "kubectl $(kubectl version --client 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -1) has kustomize '${kz_major:-unknown}': v4 or newer is needed (kubectl >= 1.21; Debian's kubernetes-client 1.20 is too old)"
  fi
  render=(kubectl kustomize)
elif command -v kustomize > /dev/null 2>&1; then
  render=(kustomize build)
else
  die_tool "kubectl (>= 1.21) or kustomize (v4+) is needed on PATH; see this script's header"
fi
compose=()
if command -v docker-compose > /dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version > /dev/null 2>&1; then
  compose=(docker compose)
else
  die_tool "docker-compose is needed on PATH: apt-get install -y --no-install-recommends docker-compose"
fi

cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if self_test > "$work/self-test.out" 2>&1; then
  pass "self-test: the checks catch known violations"
else
  fail "self-test:"; sed 's/^/  /' "$work/self-test.out"
fi

for dir in deploy/base deploy/overlays/replicas-3; do
  out="$work/$(basename "$dir").yaml"
  if "${render[@]}" "$dir" > "$out" 2> "$work/render.err"; then
    pass "render $dir ($(grep -c '^kind:' "$out") objects)"
  else
    fail "render $dir: ${render[*]} $dir failed:"; sed 's/^/  /' "$work/render.err"; continue
  fi
  if report="$(check_manifests "$out")"; then
    pass "$dir: RBAC read-only (get/list/watch, no secrets/configmaps, no *), containers non-root with read-only root"
  else
    fail "$dir:"; printf '%s\n' "$report"
  fi
done

# The overlay must have replaced the Deployment by the StatefulSet, not added one beside it.
if [[ -f "$work/replicas-3.yaml" ]]; then
  kinds="$(grep '^kind:' "$work/replicas-3.yaml" | tr '\n' ' ')"
  if grep -q '^kind: StatefulSet' "$work/replicas-3.yaml" && ! grep -q '^kind: Deployment' "$work/replicas-3.yaml"; then
    pass "deploy/overlays/replicas-3: a StatefulSet and no Deployment"
  else
    fail "deploy/overlays/replicas-3: expected a StatefulSet instead of the Deployment, got: $kinds"
  fi
fi

if "${compose[@]}" -f docker-compose.yml config -q 2> "$work/compose.err"; then
  pass "docker-compose.yml: ${compose[*]} config -q"
  "${compose[@]}" -f docker-compose.yml config > "$work/compose.yaml" 2>/dev/null
  report="$(flatten < "$work/compose.yaml" | check_compose)"
  if [[ -z "$report" ]] && grep -q 'kspan-actors' "$work/compose.yaml"; then
    pass "docker-compose.yml: kspan-actors services read_only and non-root"
  else
    fail "docker-compose.yml:"; printf '%s\n' "${report:-  no kspan-actors service found}" | sed 's/^/  /'
  fi
else
  fail "docker-compose.yml: ${compose[*]} config -q failed:"; sed 's/^/  /' "$work/compose.err"
fi

echo "validate-deploy: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
