#!/usr/bin/env bash
# A/B of Portcullis builds or configurations on one core, with CPU per operation split by thread.
#
#   load-tests/ab.sh snapshot NAME
#       copies the built distribution (proxy-core jar + lib, the load generator) to
#       load-tests/target/ab/NAME, so a later build can be compared with it (build first: bin/portcullis --version)
#   load-tests/ab.sh run SCENARIO REPS SECONDS LABEL:SNAPSHOT:KIND...
#       SCENARIO one of compare.sh's (bench/bench.py's table): hs = 1 (full TLS 1.3 handshakes,
#       32 connections, a new one per request), ka = 4 (HTTP/1.1 keep-alive, 32 connections),
#       h2 = 5 (4 connections x 10 streams), or any other id there;
#       KIND plain (the bench config) | fn (+ the blog's revocation function, 1M-key store) |
#       viewer-fn (+ a viewer-request function) | logs (+ JSON connection and access logs) | logs-w3c
#   Env: WARM (seconds of warm-up per variant, default 15), PREFAULT_MB (touch memory first, for logs),
#   SERVER_CORE, CLIENT_CORE.
#
# Every variant runs at once, each a Portcullis pinned to core 0 (SERVER_CORE) with its own port; the
# load generator and the nginx origin run on core 1. Each variant is warmed (WARM seconds, default 15),
# then the variants take turns REPS times. Per run it prints requests/s, the server's CPU per operation
# (utime+stime of the process over the run / operations, the one measure compare.sh uses too), context
# switches per operation, and that CPU split by thread name (by each thread's share of schedstat time) (the JVM truncates names to 15 characters: "portcullis-acce" is the
# access-log writer when logs are on, the acceptor otherwise). Splitting by thread separates e.g. the
# log writer's cost from the event loop's, which the ±10% noise of a shared machine hides in totals.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
. "$root/bin/find-jdk.sh"
portcullis_find_jdk
base=$root/load-tests/target/ab
bench=$here/bench
. "$root/bin/jvm-opts.sh"
portcullis_jvm_opts "$root/load-tests/target"; jvm=("${portcullis_jvm[@]}")   # the load generator's flags, as bin/portcullis loadgen
SERVER_CORE=${SERVER_CORE:-0}; CLIENT_CORE=${CLIENT_CORE:-1}

if [ "${1:-}" = snapshot ]; then
  name=${2:?snapshot NAME}
  d=$base/$name; rm -rf "$d"; mkdir -p "$d/loadgen"
  cp "$(ls "$root"/proxy-core/target/proxy-core-*.jar | grep -v -- -tests | head -n 1)" "$d/"
  cp -r "$root/proxy-core/target/lib" "$d/lib"
  for x in polyglot jit; do if [ -d "$root/proxy-core/target/$x" ]; then cp -r "$root/proxy-core/target/$x" "$d/$x"; fi; done
  cp "$(ls "$root"/load-tests/target/load-tests-*.jar | head -n 1)" "$d/loadgen/"
  cp -r "$root/load-tests/target/lib" "$d/loadgen/lib"
  echo "snapshot $d ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
  exit 0
fi
[ "${1:-}" = run ] || { sed -n '2,21p' "$0"; exit 2; }
scen=$2; reps=$3; dur=$4; shift 4
[ $# -ge 1 ] || { echo "ab.sh: no variants" >&2; exit 2; }
w=$base/work; pki=$w/pki
# PREFAULT_MB: as in compare.sh, touch that much memory first (bench.py prefault says why).
if [ "${PREFAULT_MB:-0}" -gt 0 ]; then python3 "$bench/bench.py" prefault "$PREFAULT_MB"; fi
mkdir -p "$w/tmp" "$w/www"; chmod 755 "$w"
[ -f "$pki/ca.pem" ] || "$bench/make-pki.sh" "$pki" >/dev/null
for v in "$@"; do
  case $v in *:fn) [ -f "$w/revoked.json" ] || python3 "$bench/bench.py" kvs 1000000 "$w/revoked.json" ;; esac
done
pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
read -r OH2 OH1 < <(python3 "$bench/bench.py" ports 2 | tr '\n' ' '; echo)
sed -e "s#@WORK@#$w#g" -e "s#@ORIGIN_H2C@#$OH2#g" -e "s#@ORIGIN_H1@#$OH1#g" "$bench/nginx-origin.conf" >"$w/origin.conf"
taskset -c "$CLIENT_CORE" nginx -p "$w" -e "$w/origin.err" -c "$w/origin.conf" -g 'daemon off;' & pids+=($!)

declare -A port pidof
loadgen_snapshot=""
for v in "$@"; do
  IFS=: read -r label snap kind <<<"$v"
  [ -d "$base/$snap" ] || { echo "ab.sh: no snapshot $snap (load-tests/ab.sh snapshot $snap)" >&2; exit 2; }
  loadgen_snapshot=${loadgen_snapshot:-$base/$snap/loadgen}
  p=$(python3 "$bench/bench.py" ports 1)
  mkdir -p "$w/logs-$label"; rm -f "$w/logs-$label"/*
  python3 "$bench/bench.py" config "$kind" "$w/$label.yaml" edge="$p" work="$w" pki="$pki" origin="$OH2" \
    kvs="$w/revoked.json" logs="$w/logs-$label" || exit 2
  portcullis_jvm_opts "$base/$snap"   # JS compiled when the snapshot has polyglot/ and jit/ (bin/jvm-opts.sh)
  taskset -c "$SERVER_CORE" "$JAVA_HOME/bin/java" "${portcullis_jvm[@]}" -XX:ActiveProcessorCount=1 ${PORTCULLIS_JAVA_OPTS:-} \
    -cp "$(ls "$base/$snap"/proxy-core-*.jar | head -n 1):$base/$snap/lib/*" dev.portcullis.proxy.cli.PortcullisCli \
    run --config "$w/$label.yaml" >"$w/$label.log" 2>&1 &
  pidof[$label]=$!; pids+=($!); port[$label]=$p
done
for v in "$@"; do
  label=${v%%:*}
  python3 "$bench/bench.py" wait-port "${port[$label]}" "${pidof[$label]}" \
    || { echo "ab.sh: $label did not start; see $w/$label.log" >&2; exit 1; }
done
read -r spath skey srest < <(python3 "$bench/bench.py" scenario "$scen" 2>/dev/null) \
  || { echo "ab.sh: unknown scenario $scen (see bench/bench.py's table)" >&2; exit 2; }
read -r -a sargs <<<"$srest"
lg() {  # the load generator on the client core
  local label=$1; shift
  taskset -c "$CLIENT_CORE" "$JAVA_HOME/bin/java" "${jvm[@]}" \
    -cp "$(ls "$loadgen_snapshot"/load-tests-*.jar | head -n 1):$loadgen_snapshot/lib/*" dev.portcullis.loadgen.LoadGenerator \
    --threads 1 --timeout 10s --url "https://localhost:${port[$label]}$spath" --cert "$pki/$skey.pem" --key "$pki/$skey.key" \
    --insecure "${sargs[@]}" "$@" >/dev/null 2>&1 || true
}
for v in "$@"; do lg "${v%%:*}" --duration "${WARM:-15}s"; done
for r in $(seq 1 "$reps"); do
  for v in "$@"; do
    label=${v%%:*}; pid=${pidof[$label]}
    lg "$label" --warmup 2s --duration 1s   # a fresh client JVM warms up outside the window
    python3 "$bench/bench.py" threads "$pid" >"$w/t0"
    lg "$label" --duration "${dur}s" --json "$w/r.json"
    python3 "$bench/bench.py" threads "$pid" >"$w/t1"
    python3 "$bench/bench.py" split "$w/t0" "$w/t1" "$w/r.json" "$label" "$r"
  done
done
