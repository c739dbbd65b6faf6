#!/usr/bin/env bash
# A soak run of mixed traffic against `bin/portcullis demo`, sampling the node as it goes:
#   load-tests/soak.sh [MINUTES]          (default 60; CI runs the short SoakTest instead)
# Traffic, all at once and bounded by time: new-connection-per-request handshakes, HTTP/1.1
# keep-alive, HTTP/2 with 8 streams, refused clients (no certificate, an untrusted one, an expired one)
# every second. Every 10 s it records the node's RSS, threads and open file descriptors. At the end
# it fails if the node logged a leak or an error, if threads or descriptors did not come back to
# their level after the warm-up, or if RSS grew by more than 25% over the last three quarters of
# the run (after warm-up the heap and the JIT have settled; steady growth there is a leak).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
minutes=${1:-60}
seconds=$((minutes * 60))
work=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-soak.XXXXXX")
. "$root/bin/demo-node.sh"
port=$(portcullis_free_port)
log="$work/node.log"
samples="$work/samples.tsv"

PORTCULLIS_JAVA_OPTS="${PORTCULLIS_JAVA_OPTS:-} -Dio.netty.leakDetection.level=advanced" \
  "$root/bin/portcullis" demo --dir "$work/demo" --port "$port" >"$log" 2>&1 &
node=$!
pids=()
trap 'kill "${pids[@]}" $node 2>/dev/null || true; wait 2>/dev/null || true' EXIT
portcullis_await_demo "$log" $node soak
java_pid=$(pgrep -P $node -f PortcullisCli || echo $node)
d="$work/demo"
common=(--url "https://127.0.0.1:$port/" --sni localhost --cacert "$d/ca.pem" --cert "$d/client.pem" --key "$d/client.key"
        --duration "${seconds}s" --timeout 10s)
"$root/bin/portcullis" loadgen "${common[@]}" --new-connection-per-request --connections 4 --rate 100 --json "$work/handshakes.json" >"$work/handshakes.txt" 2>&1 & pids+=($!)
"$root/bin/portcullis" loadgen "${common[@]}" --connections 8 --rate 500 --json "$work/keepalive.json" >"$work/keepalive.txt" 2>&1 & pids+=($!)
"$root/bin/portcullis" loadgen "${common[@]}" --http 2 --streams 8 --connections 2 --rate 500 --json "$work/http2.json" >"$work/http2.txt" 2>&1 & pids+=($!)
(
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ]; do
    curl -s -o /dev/null --max-time 5 --cacert "$d/ca.pem" "https://localhost:$port/" || true
    curl -s -o /dev/null --max-time 5 --cacert "$d/ca.pem" --cert "$d/untrusted-client.pem" --key "$d/untrusted-client.key" "https://localhost:$port/" || true
    curl -s -o /dev/null --max-time 5 --cacert "$d/ca.pem" --cert "$d/expired-client.pem" --key "$d/expired-client.key" "https://localhost:$port/" || true
    sleep 1
  done
) & pids+=($!)

printf 'seconds\trss_kb\tthreads\tfds\n' >"$samples"
start=$SECONDS
while [ $((SECONDS - start)) -lt "$seconds" ]; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$java_pid/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$java_pid/status")
  fds=$(ls "/proc/$java_pid/fd" | wc -l)
  printf '%s\t%s\t%s\t%s\n' $((SECONDS - start)) "$rss" "$threads" "$fds" | tee -a "$samples"
  sleep 10
done
wait "${pids[@]}" 2>/dev/null || true
sleep 5 # connections of the load close; then the descriptors should be back
final_fds=$(ls "/proc/$java_pid/fd" | wc -l)
final_threads=$(awk '/Threads/ {print $2}' "/proc/$java_pid/status")

status=0
verdict=$(/usr/bin/python3 - "$samples" "$final_fds" "$final_threads" <<'PY'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
rows = [tuple(int(x) for x in r) for r in rows]
final_fds, final_threads = int(sys.argv[2]), int(sys.argv[3])
quarter = rows[len(rows) // 4] if rows else (0, 0, 0, 0)
last = rows[-1] if rows else quarter
problems = []
if last[1] > quarter[1] * 1.25:
    problems.append(f"RSS grew {quarter[1]} -> {last[1]} kB after warm-up")
if final_threads > quarter[2] + 2:
    problems.append(f"threads {quarter[2]} -> {final_threads}")
first_fds = rows[0][3] if rows else 0
if final_fds > first_fds + 8:
    problems.append(f"descriptors {first_fds} at the start, {final_fds} after the load")
print("; ".join(problems) if problems else "ok")
PY
)
for f in handshakes keepalive http2; do
  echo "soak: $f: $(grep -E '^requests' "$work/$f.txt" || echo 'no summary')"
done
if [ "$verdict" != ok ]; then
  echo "soak: FAIL $verdict"; status=1
fi
if grep -E "^[0-9:.]+ ERROR |LEAK|OutOfMemoryError" "$log" >/dev/null; then
  echo "soak: FAIL the node logged a leak or an error:"; grep -E -A3 "^[0-9:.]+ ERROR |LEAK|OutOfMemoryError" "$log" | head -40; status=1
fi
echo "soak: $( [ $status -eq 0 ] && echo passed || echo FAILED ) ($minutes min); samples in $samples"
exit $status
