#!/usr/bin/env bash
# A/B of Portcullis builds or configurations on one core, with CPU per operation split by thread.
#
#   load-tests/ab.sh snapshot NAME
#       copies the built distribution (proxy-core jar + lib, the load generator) to
#       load-tests/target/ab/NAME, so a later build can be compared with it (build first: bin/portcullis --version)
#   load-tests/ab.sh run SCENARIO REPS SECONDS LABEL:SNAPSHOT:KIND...
#       SCENARIO hs (full TLS 1.3 handshakes, 32 connections, a new one per request) | ka (HTTP/1.1
#       keep-alive, 32 connections) | h2 (4 connections x 10 streams);
#       KIND plain (the bench config) | fn (+ the blog's revocation function, 1M-key store) |
#       logs (+ JSON connection and access logs) | logs-w3c
#   Env: WARM (seconds of warm-up per variant, default 15), PREFAULT_MB (touch memory first, for logs),
#   SERVER_CORE, CLIENT_CORE.
#
# Every variant runs at once, each a Portcullis pinned to core 0 (SERVER_CORE) with its own port; the
# load generator and the nginx origin run on core 1. Each variant is warmed (WARM seconds, default 15),
# then the variants take turns REPS times. Per run it prints requests/s, the server's CPU per operation
# (on-CPU time of all its threads over the run / operations), context switches per operation, and the
# same CPU split by thread name (the JVM truncates names to 15 characters: "portcullis-acce" is the
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
# PREFAULT_MB: as in compare.sh, touch that much memory first (this VM backs guest memory lazily, and log
# files grow into fresh page cache: without it a logging run measures the hypervisor's first touches).
if [ "${PREFAULT_MB:-0}" -gt 0 ]; then
  dd if=/dev/zero of=/dev/shm/portcullis-prefault bs=1M count="$PREFAULT_MB" status=none || true
  rm -f /dev/shm/portcullis-prefault
fi
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
  fn=""; extra=""
  case $kind in
    plain) ;;
    fn) fn="    connectionFunctionAssociation: {id: revocation-check}"
        extra="keyValueStores:
  - {name: revoked-serials, importSource: $w/revoked.json}
connectionFunctions:
  - {name: revocation-check, code: $bench/revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 100ms}" ;;
    logs|logs-w3c)
        ld=$w/logs-$label; mkdir -p "$ld"; rm -f "$ld"/*
        fmt=json; [ "$kind" = logs-w3c ] && fmt=w3c
        extra="logging:
  connectionLogs: {destination: $ld/connection.log, format: $fmt}
  accessLogs: {destination: $ld/access.log, format: $fmt}" ;;
    *) echo "ab.sh: unknown kind $kind" >&2; exit 2 ;;
  esac
  t=$(cat "$bench/portcullis.yaml"); t=${t//@PKI@/$pki}; t=${t//@ORIGIN_H2C@/$OH2}; t=${t//@EDGE@/$p}
  t=${t//@FUNCTION@/$fn}; t=${t//@EXTRA@/$extra}
  printf '%s\n' "$t" >"$w/$label.yaml"
  portcullis_jvm_opts "$base/$snap"   # JS compiled when the snapshot has polyglot/ and jit/ (bin/jvm-opts.sh)
  taskset -c "$SERVER_CORE" "$JAVA_HOME/bin/java" "${portcullis_jvm[@]}" -XX:ActiveProcessorCount=1 ${PORTCULLIS_JAVA_OPTS:-} \
    -cp "$(ls "$base/$snap"/proxy-core-*.jar | head -n 1):$base/$snap/lib/*" dev.portcullis.proxy.cli.PortcullisCli \
    run --config "$w/$label.yaml" >"$w/$label.log" 2>&1 &
  pidof[$label]=$!; pids+=($!); port[$label]=$p
done
for v in "$@"; do
  label=${v%%:*}
  for _ in $(seq 1 1200); do (exec 3<>"/dev/tcp/127.0.0.1/${port[$label]}") 2>/dev/null && break; sleep 0.05; done
done
case $scen in
  hs) sargs=(--new-connection-per-request --connections 32 --tls 1.3) ;;
  ka) sargs=(--http 1.1 --connections 32) ;;
  h2) sargs=(--http 2 --streams 10 --connections 4) ;;
  *) echo "ab.sh: unknown scenario $scen" >&2; exit 2 ;;
esac
lg() {  # the load generator on the client core
  local label=$1; shift
  taskset -c "$CLIENT_CORE" "$JAVA_HOME/bin/java" "${jvm[@]}" \
    -cp "$(ls "$loadgen_snapshot"/load-tests-*.jar | head -n 1):$loadgen_snapshot/lib/*" dev.portcullis.loadgen.LoadGenerator \
    --threads 1 --timeout 10s --url "https://localhost:${port[$label]}/" --cert "$pki/client.pem" --key "$pki/client.key" \
    --insecure "${sargs[@]}" "$@" >/dev/null 2>&1 || true
}
threads() {  # tid cpu-ns name csw, per thread of a process
  # schedstat's first field is the scheduler's exact on-CPU time in ns. /proc's utime+stime are 10 ms
  # ticks charged to whichever thread a tick finds running: rough for threads that run in short bursts,
  # such as a log writer.
  local d ns
  for d in /proc/"$1"/task/*; do
    read -r ns _ < "$d/schedstat" 2>/dev/null || continue
    echo "${d##*/} $ns $(cat "$d/comm" 2>/dev/null) $(awk '/ctxt_switches/ {s += $2} END {print s + 0}' "$d/status" 2>/dev/null)"
  done
}
for v in "$@"; do lg "${v%%:*}" --duration "${WARM:-15}s"; done
for r in $(seq 1 "$reps"); do
  for v in "$@"; do
    label=${v%%:*}; pid=${pidof[$label]}
    lg "$label" --warmup 2s --duration 1s   # a fresh client JVM warms up outside the window
    threads "$pid" >"$w/t0"
    lg "$label" --duration "${dur}s" --json "$w/r.json"
    threads "$pid" >"$w/t1"
    python3 - "$w/t0" "$w/t1" "$w/r.json" "$label" "$r" <<'PY'
import json, re, sys
from collections import Counter
def load(p):
    out = {}
    for line in open(p):
        tid, cpu_ns, rest = line.rstrip("\n").split(" ", 2)
        name, _, csw = rest.rpartition(" ")
        out[tid] = (name, int(cpu_ns), int(csw))
    return out
before, after = load(sys.argv[1]), load(sys.argv[2])
s = json.load(open(sys.argv[3])); n = s["requests"] or 1
per, cpu_ns, csw = Counter(), 0, 0
for tid, (name, t, c) in after.items():
    b = before.get(tid, (name, 0, 0))
    per[re.sub(r"[-#]?\d+(-\d+)?$", "", name)] += t - b[1]; cpu_ns += t - b[1]; csw += c - b[2]
us = lambda ns: ns / 1e3 / n
print(f"{sys.argv[4]:>12} #{sys.argv[5]}: {s['requestsPerSecond']:8.0f} ops/s  cpu {us(cpu_ns):7.1f} us/op  "
      f"csw/op {csw / n:5.2f}  failed {s['failed']}")
print("               " + ", ".join(f"{k} {us(v):.1f}" for k, v in per.most_common(8) if v > 0))
PY
  done
done
