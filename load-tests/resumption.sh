#!/usr/bin/env bash
# Server CPU per reconnect, resumed against full (issue 16 part 3), with openssl s_time.
#
#   load-tests/resumption.sh [SECONDS] [REPS]
#
# One Portcullis with viewerMtlsConfig.sessionResumption (the bench config otherwise, bench/bench.py
# config resumption) pinned to core 0 (SERVER_CORE), the nginx origin and openssl s_time on core 1
# (CLIENT_CORE). After a warm-up (WARM seconds of each, default 20), `s_time -new` (a full TLS 1.3 mTLS
# handshake per connection) and `s_time -reuse` (each connection resumes the first one's session with its
# ticket, and is checked again: trust store, revocation, function) take turns REPS times, SECONDS each
# (default 10), both fetching / once. CPU is the node's utime+stime from /proc (bench.py cpu); prints
# CPU per connection of each and the ratio resumed / full. s_time's output is kept in
# load-tests/target/resumption-s_time.log: one 'r' per resumed connection, '*' per full one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bench=$here/bench
secs=${1:-10} reps=${2:-3} warm=${WARM:-20}
SERVER_CORE=${SERVER_CORE:-0} CLIENT_CORE=${CLIENT_CORE:-1}
clk=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/portcullis-resumption.XXXXXX); chmod 755 "$work"
pids=()
cleanup() {
  local p; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  mkdir -p "$here/target"; cp "$work/s_time.log" "$here/target/resumption-s_time.log" 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT
"$bench/make-pki.sh" "$work/pki" >/dev/null
mkdir -p "$work/www" "$work/tmp"
read -r OH2 OH1 EDGE < <(python3 "$bench/bench.py" ports 3 | tr '\n' ' '; echo)
sed -e "s#@WORK@#$work#g" -e "s#@ORIGIN_H2C@#$OH2#g" -e "s#@ORIGIN_H1@#$OH1#g" "$bench/nginx-origin.conf" >"$work/origin.conf"
taskset -c "$CLIENT_CORE" nginx -p "$work" -e "$work/origin.err" -c "$work/origin.conf" -g 'daemon off;' & pids+=($!)
python3 "$bench/bench.py" config resumption "$work/edge.yaml" edge="$EDGE" work="$work" pki="$work/pki" origin="$OH2"
"$root/bin/portcullis" --version >/dev/null
PORTCULLIS_JAVA_OPTS="-XX:ActiveProcessorCount=1 ${PORTCULLIS_JAVA_OPTS:-}" taskset -c "$SERVER_CORE" \
  "$root/bin/portcullis" run --config "$work/edge.yaml" >"$work/node.log" 2>&1 & node=$!; pids+=($node)
python3 "$bench/bench.py" wait-port "$EDGE" "$node" || { cat "$work/node.log"; exit 1; }

s_time() {  # s_time -new|-reuse SECONDS: prints the number of connections made
  local out
  out=$(taskset -c "$CLIENT_CORE" openssl s_time -connect "127.0.0.1:$EDGE" -cert "$work/pki/client.pem" \
    -key "$work/pki/client.key" -CAfile "$work/pki/ca.pem" -www / "$1" -time "$2" 2>&1)
  echo "$out" >>"$work/s_time.log"
  if [ "$1" = -reuse ]; then  # s_time prints r per resumed connection, * per full one
    local full; full=$(echo "$out" | grep -E '^[r*]+$' | tr -cd '*' | wc -c)
    [ "$full" -eq 0 ] || echo "resumption.sh: $full of the -reuse connections were full handshakes" >&2
  fi
  echo "$out" | grep -Eo '^[0-9]+ connections in' | tail -n 1 | grep -Eo '^[0-9]+'
}
s_time -new "$warm" >/dev/null; s_time -reuse "$warm" >/dev/null
echo "commit $(git -C "$root" rev-parse --short HEAD), $(openssl version), ${secs}s per run, node on core $SERVER_CORE"
declare -A sum
for r in $(seq 1 "$reps"); do
  for mode in new reuse; do
    c0=$(python3 "$bench/bench.py" cpu "$node")
    n=$(s_time "-$mode" "$secs")
    c1=$(python3 "$bench/bench.py" cpu "$node")
    us=$(python3 -c "print(round(($c1 - $c0) / $clk * 1e6 / max(1, $n), 1))")
    sum[$mode]="${sum[$mode]:-} $us"
    echo "  #$r $mode: $n connections, node CPU $us us per connection"
  done
done
python3 -c '
import statistics, sys
n, r = (statistics.median(float(x) for x in a.split()) for a in sys.argv[1:3])
print(f"median: full {n:.1f} us, resumed {r:.1f} us per connection: resumed / full = {r / n:.2f}x")' "${sum[new]}" "${sum[reuse]}"
