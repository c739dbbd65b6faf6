#!/usr/bin/env bash
# Fuzzes a running node the way an attacker would, in a bounded run anyone can repeat:
#   load-tests/fuzz.sh [tls|http|all] [CASES] [SEED]      (defaults: all 100000 1)
# Starts `bin/portcullis demo` (required mTLS, echo origin) with Netty's leak detector at PARANOID on
# a free port, runs the fuzzers in load-tests/fuzz/ against it (Debian's python3 with python3-h2),
# checks every 2,000 cases that a valid client still gets 200, and at the end that the node logged no
# leak and no error, and how its RSS moved. Exit status 0 only if all of that held.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
what=${1:-all}
cases=${2:-100000}
seed=${3:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-fuzz.XXXXXX")
. "$root/bin/demo-node.sh"
port=$(portcullis_free_port)
log="$work/node.log"

PORTCULLIS_JAVA_OPTS="${PORTCULLIS_JAVA_OPTS:-} -Dio.netty.leakDetection.level=paranoid" \
  "$root/bin/portcullis" demo --dir "$work/demo" --port "$port" >"$log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null || true; wait $node 2>/dev/null || true' EXIT
portcullis_await_demo "$log" $node fuzz
java_pid=$(pgrep -P $node -f PortcullisCli || echo $node)
rss() { awk '/VmRSS/ {print $2}' "/proc/$java_pid/status"; }
echo "fuzz: node on port $port (pid $java_pid), RSS $(rss) kB, work dir $work"

status=0
run() {
  local script=$1
  /usr/bin/python3 "$here/fuzz/$script" --port "$port" --dir "$work/demo" --cases "$cases" --seed "$seed" || status=1
  echo "fuzz: after $script RSS $(rss) kB"
}
case "$what" in
  tls) run fuzz_tls.py ;;
  http) run fuzz_http.py ;;
  all) run fuzz_tls.py; run fuzz_http.py ;;
  *) echo "usage: $0 [tls|http|all] [CASES] [SEED]"; exit 2 ;;
esac

if grep -E "^[0-9:.]+ ERROR |LEAK|Exception in thread|OutOfMemoryError" "$log" >/dev/null; then
  echo "fuzz: FAIL the node logged a leak or an error:"
  grep -E -A3 "^[0-9:.]+ ERROR |LEAK|Exception in thread|OutOfMemoryError" "$log" | head -40
  status=1
fi
kill -0 "$java_pid" 2>/dev/null || { echo "fuzz: FAIL the node is gone"; status=1; }
echo "fuzz: $( [ $status -eq 0 ] && echo passed || echo FAILED ) ($what, $cases cases per fuzzer, seed $seed); node log $log"
exit $status
