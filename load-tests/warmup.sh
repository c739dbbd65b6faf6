#!/usr/bin/env bash
# Handshake CPU of a freshly started node, 5-second window by window, side by side with nginx (issue 16).
#
#   load-tests/warmup.sh [SECONDS] [WINDOW]
#
# For each server (Portcullis with the bench config, bench/bench.py config plain, then nginx as the
# mTLS edge, bench/nginx-edge.conf): start it pinned to core 0 (SERVER_CORE; Portcullis with
# -XX:ActiveProcessorCount=1), and the moment its port accepts, load it with `ab -E` (OpenSSL, a new
# TLS 1.3 connection per request, CONCURRENCY at once, default 8) on core 1 (CLIENT_CORE, with the nginx
# origin), as back-to-back `ab -t WINDOW` runs (default 5 s) for SECONDS (default 120). Per window: the
# handshakes ab completed, the server's CPU per handshake from /proc/PID/stat, and how much of it the
# JIT compiler threads and the GC took (split by /proc/PID/task/*/schedstat). Then, per server, the first
# 10 s against the steady state (the last 20 s), and Portcullis's steady state against nginx's. The time
# from starting the node to its port accepting is printed too. PORTCULLIS_JAVA_OPTS adds JVM flags;
# SERVER_CORE=0,1 ACTIVE_PROCESSORS=2 gives the node both cores (ab then shares core 1 with it).
# The windows are kept in load-tests/target/warmup.jsonl.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bench=$here/bench
secs=${1:-120} win=${2:-5} conc=${CONCURRENCY:-8}
SERVER_CORE=${SERVER_CORE:-0} CLIENT_CORE=${CLIENT_CORE:-1}
work=$(mktemp -d /tmp/portcullis-warmup.XXXXXX); chmod 755 "$work"
runs=$here/target/warmup.jsonl; mkdir -p "$here/target"; : >"$runs"
pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bench/make-pki.sh" "$work/pki" >/dev/null
cat "$work/pki/client.pem" "$work/pki/client.key" >"$work/pki/client-ab.pem"   # ab -E wants both in one file
mkdir -p "$work/www" "$work/tmp"
read -r OH2 OH1 EDGE NGINX < <(python3 "$bench/bench.py" ports 4 | tr '\n' ' '; echo)
render() {  # render TEMPLATE OUT: the names between at-signs that the templates use
  sed -e "s#@WORK@#$work#g" -e "s#@PKI@#$work/pki#g" -e "s#@ORIGIN_H2C@#$OH2#g" -e "s#@ORIGIN_H1@#$OH1#g" \
      -e "s#@EDGE@#$NGINX#g" -e "s#@SSL_EXTRA@##g" "$1" >"$2"
}
render "$bench/nginx-origin.conf" "$work/origin.conf"
taskset -c "$CLIENT_CORE" nginx -p "$work" -e "$work/origin.err" -c "$work/origin.conf" -g 'daemon off;' & pids+=($!)
python3 "$bench/bench.py" config plain "$work/edge.yaml" edge="$EDGE" work="$work" pki="$work/pki" origin="$OH2"
render "$bench/nginx-edge.conf" "$work/nginx-edge.conf"
"$root/bin/portcullis" --version >/dev/null   # builds a checkout first, outside the measurement

measure() {  # measure NAME PORT PID: the windows, from the moment PORT accepts
  local name=$1 port=$2 pid=$3 t=0 n
  while [ "$t" -lt "$secs" ]; do
    python3 "$bench/bench.py" threads "$pid" >"$work/t0"
    n=$(taskset -c "$CLIENT_CORE" ab -q -t "$win" -n 100000000 -c "$conc" -E "$work/pki/client-ab.pem" \
        "https://localhost:$port/" 2>>"$work/ab.err" | awk '/^Complete requests:/ {print $3}')
    python3 "$bench/bench.py" threads "$pid" >"$work/t1"
    python3 "$bench/bench.py" window "$work/t0" "$work/t1" "${n:-0}" "$t" "$name" "$runs"
    t=$((t + win))
  done
}

echo "commit $(git -C "$root" rev-parse --short HEAD), $(openssl version | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d/ -f2)," \
  "ab -c $conc, ${win}s windows for ${secs}s, servers on core $SERVER_CORE"
start=$(date +%s%N)
PORTCULLIS_JAVA_OPTS="-XX:ActiveProcessorCount=${ACTIVE_PROCESSORS:-1} ${PORTCULLIS_JAVA_OPTS:-}" taskset -c "$SERVER_CORE" \
  "$root/bin/portcullis" run --config "$work/edge.yaml" >"$work/node.log" 2>&1 & node=$!; pids+=($node)
python3 "$bench/bench.py" wait-port "$EDGE" "$node" || { cat "$work/node.log"; exit 1; }
echo "portcullis: listening $(( ($(date +%s%N) - start) / 1000000 )) ms after the start"
measure portcullis "$EDGE" "$node"
kill -TERM "$node"; wait "$node" 2>/dev/null || true

taskset -c "$SERVER_CORE" nginx -p "$work" -e "$work/nginx-edge.err" -c "$work/nginx-edge.conf" -g 'daemon off;' & ng=$!; pids+=($ng)
python3 "$bench/bench.py" wait-port "$NGINX" "$ng" || { cat "$work/nginx-edge.err"; exit 1; }
ngw=""; until [ -n "$ngw" ]; do ngw=$(pgrep -P "$ng" | head -n 1 || true); done   # the worker handshakes; the master idles
measure nginx "$NGINX" "$ngw"
python3 "$bench/bench.py" warmup-summary "$runs"
