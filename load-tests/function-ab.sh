#!/usr/bin/env bash
# What a viewer-request function adds per keep-alive request, on one node (issue 15).
#
#   load-tests/function-ab.sh [WARM] [PAIRS] [DUR]
#
# Scenario 11 compares two processes, whose CPU per request differ by more than the function costs
# (the same build moved from 27 to 47 µs between runs). Here one Portcullis (the bench config, core 0,
# -XX:ActiveProcessorCount=1) has scenario 11's viewer-request function (bench/viewer-function.js)
# on its /fn/* behavior and none on its default one. The load generator (scenario 4's load: HTTP/1.1
# keep-alive, 32 connections, on core 1 with the nginx origin) first loads /fn/x for WARM seconds
# (default 200: Truffle compiles the function on the node's one core), then alternates DUR-second
# runs (default 10) on /plain/x and /fn/x, PAIRS times (default 6). Per run: the node's CPU (from
# /proc) over the requests the load generator completed, and the time the hypervisor stole from
# both cores meanwhile (a run that lost some is not a measure of the node). Prints each pair and the
# median difference; the runs go to load-tests/target/function-ab.jsonl.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bench=$here/bench
warm=${1:-200} pairs=${2:-6} dur=${3:-10}
SERVER_CORE=${SERVER_CORE:-0} CLIENT_CORE=${CLIENT_CORE:-1}
work=$(mktemp -d /tmp/portcullis-function-ab.XXXXXX); chmod 755 "$work"
runs=$here/target/function-ab.jsonl; mkdir -p "$here/target"; : >"$runs"
pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bench/make-pki.sh" "$work/pki" >/dev/null
mkdir -p "$work/www" "$work/tmp"
read -r OH2 OH1 EDGE < <(python3 "$bench/bench.py" ports 3 | tr '\n' ' '; echo)
sed -e "s#@WORK@#$work#g" -e "s#@ORIGIN_H2C@#$OH2#g" -e "s#@ORIGIN_H1@#$OH1#g" "$bench/nginx-origin.conf" >"$work/origin.conf"
taskset -c "$CLIENT_CORE" nginx -p "$work" -e "$work/origin.err" -c "$work/origin.conf" -g 'daemon off;' & pids+=($!)
python3 "$bench/bench.py" config viewer-fn "$work/edge.yaml" edge="$EDGE" work="$work" pki="$work/pki" origin="$OH2"
grep -q 'pathPattern: "/\*"' "$work/edge.yaml" || { echo "function-ab.sh: bench.py's viewer-fn config changed shape" >&2; exit 1; }
sed -i 's#pathPattern: "/\*"#pathPattern: "/fn/*"#' "$work/edge.yaml"
"$root/bin/portcullis" --version >/dev/null   # builds a checkout first, outside the measurement

PORTCULLIS_JAVA_OPTS="-XX:ActiveProcessorCount=1 ${PORTCULLIS_JAVA_OPTS:-}" taskset -c "$SERVER_CORE" \
  "$root/bin/portcullis" run --config "$work/edge.yaml" >"$work/node.log" 2>&1 & node=$!; pids+=($node)
python3 "$bench/bench.py" wait-port "$EDGE" "$node" || { cat "$work/node.log"; exit 1; }
clk=$(getconf CLK_TCK)
steal() { awk '/^cpu / {print $9}' /proc/stat; }   # ticks the hypervisor gave to others, both cores

load() {  # load PATH SECONDS JSON
  PORTCULLIS_JAVA_OPTS= taskset -c "$CLIENT_CORE" "$root/bin/portcullis" loadgen --threads 1 --timeout 10s \
    --url "https://localhost:$EDGE$1" --cert "$work/pki/client.pem" --key "$work/pki/client.key" --insecure \
    --http 1.1 --connections 32 --duration "${2}s" --json "$3" >"$work/loadgen.log" 2>&1 \
    || { echo "function-ab.sh: the load generator failed on $1:" >&2; tail -n 5 "$work/loadgen.log" >&2; exit 1; }
}

run() {  # run PATH PAIR: one measured run, printed and recorded
  local c0 c1 s0 s1 us
  c0=$(python3 "$bench/bench.py" cpu "$node"); s0=$(steal)
  load "$1" "$dur" "$work/run.json"
  c1=$(python3 "$bench/bench.py" cpu "$node"); s1=$(steal)
  us=$(python3 - "$work/run.json" "$c0" "$c1" "$clk" "$1" "$2" "$runs" "$((s1 - s0))" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); c0, c1, clk = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
us = (c1 - c0) / clk / max(r["requests"], 1) * 1e6
steal_ms = int(sys.argv[8]) * 1000 // clk
with open(sys.argv[7], "a") as f:
    f.write(json.dumps({"path": sys.argv[5], "pair": int(sys.argv[6]), "requests": r["requests"], "failed": r["failed"],
                        "cpuSeconds": (c1 - c0) / clk, "usPerRequest": round(us, 2), "stealMs": steal_ms}) + "\n")
print(f"{us:.1f} {r['requests']} {r['failed']} {steal_ms}")
PY
)
  echo "$us"
}

echo "commit $(git -C "$root" rev-parse --short HEAD), warm-up ${warm}s on /fn/x, then $pairs pairs of ${dur}s runs"
load /fn/x "$warm" "$work/warm.json"
echo "pair  without µs/req  with µs/req  difference  (requests without / with, failed, ms stolen by the hypervisor)"
diffs=()
for p in $(seq 1 "$pairs"); do
  read -r a na fa sa < <(run /plain/x "$p")
  read -r b nb fb sb < <(run /fn/x "$p")
  d=$(python3 -c "print(f'{$b - $a:+.1f}')")
  diffs+=("$d")
  printf '%4d  %14s  %11s  %10s  (%s / %s, %s %s, %s %s)\n' "$p" "$a" "$b" "$d" "$na" "$nb" "$fa" "$fb" "$sa" "$sb"
done
python3 -c "import statistics, sys; print(f'median difference: {statistics.median(float(x) for x in sys.argv[1:]):+.1f} µs per request')" "${diffs[@]}"
