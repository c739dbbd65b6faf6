# Sourced by bin/check-distribution.sh, load-tests/fuzz.sh and load-tests/soak.sh: they all start
# `portcullis demo` in the background and wait for it.

# A free port below the ephemeral range (32768 and up), so the demo's own echo origin, which binds
# port 0, cannot be handed it before the edge binds it.
portcullis_free_port() {
  /usr/bin/python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 31999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
'
}

# portcullis_await_demo LOG PID WHO: waits (up to 2 min) until the demo printed its steps; if the
# process ends first, prints its log and exits 1.
portcullis_await_demo() {
  local log=$1 pid=$2 who=$3
  for _ in $(seq 1 600); do
    grep -q "Press Ctrl-C" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$who: FAIL the demo did not start:"; cat "$log"; exit 1; }
    sleep 0.2
  done
  echo "$who: FAIL the demo did not start within 2 minutes:"; cat "$log"; exit 1
}
