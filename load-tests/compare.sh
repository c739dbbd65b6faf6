#!/usr/bin/env bash
# Side-by-side benchmark of Portcullis against nginx (and haproxy) as mTLS edges (issue 5).
#
#   load-tests/compare.sh [--quick] [--no-haproxy] [--no-profile] [--out DIR]
#
# One run: builds Portcullis if needed (bin/portcullis), makes one PKI with openssl, starts one nginx
# origin (h2c and HTTP/1.1) pinned to the client core, then the edges, each pinned to core 0
# (SERVER_CORE; Portcullis then sees 1 processor) while the load generator runs on core 1
# (CLIENT_CORE). Each scenario alternates the edges REPS times, rotating the order. Every run is a new
# load generator with its own warm-up; the edge's CPU time (utime+stime of all its processes and
# threads, /proc/PID/stat, read by bench/bench.py, as in ab.sh) is read when that warm-up ends and after the
# load generator exits, so CPU per handshake or request does not depend on what else the machine does.
# The scenarios (their load generator arguments and titles) and the edge configs are bench.py's. Writes OUT/results.md (also to
# stdout), OUT/results.json, OUT/runs.jsonl (every run), the JFR profile and the logs; the default OUT
# is load-tests/target/compare. Full mode takes about 16 minutes; --quick about 4 (fewer, shorter
# runs, no haproxy, no scenario L, no profile). Env: REPS, DUR, RUN_WARM, IDLE, SCENARIOS, KVS_KEYS, CRL_ENTRIES,
# SERVER_CORE, CLIENT_CORE, PORTCULLIS_JAVA_OPTS (added to the edge's JVM), MAVEN_OPTS (the build),
# PORTCULLIS_LOGS=1 (connection and access logs on), PREFAULT_MB (see below).
#
# Needs nginx (1.22 tested), openssl, taskset, python3, curl and 2 cores; haproxy is optional.
# Everything listens on 127.0.0.1 only, and every load generator run ends by itself.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
bench=$here/bench

orig_args="$*"
quick=0 use_haproxy=1 profile=1 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-haproxy) use_haproxy=0 ;;
    --no-profile) profile=0 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  REPS=${REPS:-2} DUR=${DUR:-2} RUN_WARM=${RUN_WARM:-1} FIRST_WARM=${FIRST_WARM:-2} IDLE=${IDLE:-2000} STARTS=${STARTS:-1} FUNCTION_WARM=${FUNCTION_WARM:-5}
  profile=0 use_haproxy=0
else
  REPS=${REPS:-3} DUR=${DUR:-10} RUN_WARM=${RUN_WARM:-2} FIRST_WARM=${FIRST_WARM:-5} IDLE=${IDLE:-10000} STARTS=${STARTS:-3} FUNCTION_WARM=${FUNCTION_WARM:-20}
fi
SERVER_CORE=${SERVER_CORE:-0} CLIENT_CORE=${CLIENT_CORE:-1}
# A subset for a partial rerun, e.g. SCENARIOS="1 7"; --quick leaves out L (too short to settle).
if [ "$quick" = 1 ]; then SCENARIOS=" ${SCENARIOS:-1 2 3 4 5 6 7 8 9 10 11} "; else SCENARIOS=" ${SCENARIOS:-1 2 3 4 5 6 L 7 8 9 10 11} "; fi
want() { [[ "$SCENARIOS" == *" $1 "* ]]; }
KVS_KEYS=${KVS_KEYS:-1000000}

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
for tool in nginx openssl taskset python3 curl; do
  command -v "$tool" >/dev/null || die "needs $tool on the PATH (apt-get install nginx-light openssl util-linux python3 curl)"
done
[ "$(nproc)" -ge 2 ] || die "needs at least 2 cores: the edge on one, the load generator on another"
if [ "$use_haproxy" = 1 ] && ! command -v haproxy >/dev/null; then
  log "haproxy not found: measuring Portcullis and nginx only"
  use_haproxy=0
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$IDLE" -gt $(( $(ulimit -n) - 1000 )) ]; then
  log "ulimit -n is $(ulimit -n): holding $(( $(ulimit -n) - 1000 )) idle connections instead of $IDLE"
  IDLE=$(( $(ulimit -n) - 1000 ))
fi

out=${out:-$root/load-tests/target/compare}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/runs.jsonl "$out"/*.json "$out"/*.log
runs=$out/runs.jsonl
work=$(mktemp -d /tmp/portcullis-bench.XXXXXX)
chmod 755 "$work"   # nginx workers run as an unprivileged user and read www/
pki=$work/pki
clk=$(getconf CLK_TCK)

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build, PKI, origin
log "building Portcullis if needed (bin/portcullis)"
"$root/bin/portcullis" --version >"$out/version.txt"
. "$root/bin/find-jdk.sh"
portcullis_find_jdk
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- . 2>/dev/null | grep -v '^??' || true)" ]; then commit="$commit (with local changes)"; fi

log "PKI (openssl: ECDSA P-256 CA, server and client; RSA-2048 client) and a ${KVS_KEYS}-key store"
"$bench/make-pki.sh" "$pki"
python3 "$bench/bench.py" kvs "$KVS_KEYS" "$work/revoked.json"
mkdir -p "$work/www" "$work/tmp"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
chmod -R a+rX "$work/www"

# PREFAULT_MB: touch that much memory first (bench.py prefault says why). Off by default.
if [ "${PREFAULT_MB:-0}" -gt 0 ]; then
  log "touching ${PREFAULT_MB} MB of memory first (PREFAULT_MB)"
  python3 "$bench/bench.py" prefault "$PREFAULT_MB"
fi

read -r ORIGIN_H2C ORIGIN_H1 P_PORT N_PORT H_PORT F_PORT S_PORT R_PORT PR_PORT NR_PORT VF_PORT < <(python3 "$bench/bench.py" ports 11 | tr '\n' ' '; echo)
# Revocation data for scenarios 9 and 10: a client with an OCSP URL, a CRL of CRL_ENTRIES serials.
CRL_ENTRIES=${CRL_ENTRIES:-100000}
"$bench/make-revocation.sh" "$pki" "$R_PORT" "$CRL_ENTRIES"

render() {  # render TEMPLATE OUTPUT [NAME=VALUE...]
  local template=$1 output=$2 text; shift 2
  text=$(cat "$template")
  text=${text//@WORK@/$work}; text=${text//@PKI@/$pki}
  text=${text//@ORIGIN_H2C@/$ORIGIN_H2C}; text=${text//@ORIGIN_H1@/$ORIGIN_H1}
  local kv
  for kv in "$@"; do text=${text//@${kv%%=*}@/${kv#*=}}; done
  printf '%s\n' "$text" >"$output"
}

wait_port() {  # wait_port PORT PID: until 127.0.0.1:PORT accepts (60 s at most, or the process died)
  python3 "$bench/bench.py" wait-port "$1" "$2" 2>/dev/null
}

family() {  # a process and its children (nginx: master and worker)
  echo "$1"; pgrep -P "$1" || true
}

cpu_ticks() {  # utime+stime of the given processes, in clock ticks
  python3 "$bench/bench.py" cpu "$@"
}

rss_kb() {  # VmRSS of the given processes, summed, in KB
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}

fd_count() {
  local total=0 pid
  for pid in "$@"; do total=$(( total + $(ls "/proc/$pid/fd" 2>/dev/null | wc -l) )); done
  echo "$total"
}

log "origin: nginx on 127.0.0.1:$ORIGIN_H2C (h2c) and :$ORIGIN_H1 (HTTP/1.1), core $CLIENT_CORE"
render "$bench/nginx-origin.conf" "$work/nginx-origin.conf"
taskset -c "$CLIENT_CORE" nginx -p "$work" -e "$work/nginx-origin.error.log" -c "$work/nginx-origin.conf" -g 'daemon off;' \
  >"$out/nginx-origin.log" 2>&1 &
origin_pid=$!; pids+=("$origin_pid")
wait_port "$ORIGIN_H1" "$origin_pid" || die "origin nginx did not start: $(cat "$work/nginx-origin.error.log" "$out/nginx-origin.log")"
curl -sf "http://127.0.0.1:$ORIGIN_H1/" >/dev/null || die "origin does not answer on HTTP/1.1"
curl -sf --http2-prior-knowledge "http://127.0.0.1:$ORIGIN_H2C/1m" -o /dev/null || die "origin does not answer on h2c"

# ---------------------------------------------------------------- edges
declare -A port servpids
port[portcullis]=$P_PORT; port[nginx]=$N_PORT; port[haproxy]=$H_PORT
port[portcullis-function]=$F_PORT; port[portcullis-no-function]=$P_PORT; port[portcullis-viewer-function]=$VF_PORT

edge_config() {  # edge_config KIND OUTPUT PORT: the bench config for one Portcullis edge (bench.py config)
  python3 "$bench/bench.py" config "$1" "$2" edge="$3" work="$work" pki="$pki" origin="$ORIGIN_H2C" \
    kvs="$work/revoked.json" logs="$work/logs"
}
# PORTCULLIS_LOGS=1 turns on both logs (JSON lines to files) to measure what logging costs.
main_kind=plain; [ "${PORTCULLIS_LOGS:-0}" = 1 ] && main_kind=logs
edge_config "$main_kind" "$work/portcullis.yaml" "$P_PORT"
edge_config plain "$work/portcullis-start.yaml" "$S_PORT"
edge_config fn "$work/portcullis-function.yaml" "$F_PORT"
# Scenario 11: scenario 4's keep-alive requests through a viewer-request function on every path.
edge_config viewer-fn "$work/portcullis-viewer-function.yaml" "$VF_PORT"
# One core: the JVM sees 1 processor under taskset anyway (so 1 event loop, 1 handshake thread);
# ActiveProcessorCount makes that explicit. PORTCULLIS_JAVA_OPTS adds to it.
server_java_opts="-XX:ActiveProcessorCount=1 ${PORTCULLIS_JAVA_OPTS:-}"

start_portcullis() {  # start_portcullis NAME CONFIG PORT LABEL: starts, records start-to-listening, sets started_pid
  local name=$1 config=$2 p=$3 label=$4 t0 t1 pid
  t0=$(date +%s%N)
  PORTCULLIS_JAVA_OPTS="$server_java_opts" taskset -c "$SERVER_CORE" "$root/bin/portcullis" run --config "$config" \
    >>"$out/$name.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_port "$p" "$pid" || die "$name did not start; see $out/$name.log: $(tail -n 20 "$out/$name.log")"
  t1=$(date +%s%N)
  python3 "$bench/bench.py" record "$runs" kind=startup "label=$label" ms=$(( (t1 - t0) / 1000000 ))
  started_pid=$pid
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

for i in $(seq 2 "$STARTS"); do
  log "Portcullis start-to-listening, extra start $((i - 1))"
  start_portcullis portcullis-start "$work/portcullis-start.yaml" "$S_PORT" "portcullis, bench config (bin/portcullis run to port accepting)"
  stop_pid "$started_pid"
done
log "Portcullis on 127.0.0.1:$P_PORT, core $SERVER_CORE"
start_portcullis portcullis "$work/portcullis.yaml" "$P_PORT" "portcullis, bench config (bin/portcullis run to port accepting)"
servpids[portcullis]=$started_pid
servpids[portcullis-no-function]=$started_pid

log "nginx edge on 127.0.0.1:$N_PORT, core $SERVER_CORE"
render "$bench/nginx-edge.conf" "$work/nginx-edge.conf" EDGE="$N_PORT" SSL_EXTRA=
taskset -c "$SERVER_CORE" nginx -p "$work" -e "$work/nginx-edge.error.log" -c "$work/nginx-edge.conf" -g 'daemon off;' \
  >"$out/nginx-edge.log" 2>&1 &
pid=$!; pids+=("$pid")
wait_port "$N_PORT" "$pid" || die "nginx edge did not start: $(cat "$work/nginx-edge.error.log")"
sleep 0.2
servpids[nginx]=$(family "$pid" | tr '\n' ' ')

servers=(portcullis nginx)
if [ "$use_haproxy" = 1 ]; then
  log "haproxy edge on 127.0.0.1:$H_PORT, core $SERVER_CORE"
  # haproxy reserves 2 descriptors per connection up front, so the ulimit caps its maxconn.
  hap_maxconn=$(( IDLE + 100 ))
  [ "$hap_maxconn" -le $(( ($(ulimit -n) - 300) / 2 )) ] || hap_maxconn=$(( ($(ulimit -n) - 300) / 2 ))
  render "$bench/haproxy.cfg" "$work/haproxy.cfg" EDGE="$H_PORT" MAXCONN="$hap_maxconn" ULIMIT="$(ulimit -n)"
  taskset -c "$SERVER_CORE" haproxy -f "$work/haproxy.cfg" -db >"$out/haproxy.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_port "$H_PORT" "$pid" || die "haproxy did not start: $(cat "$out/haproxy.log")"
  servpids[haproxy]=$(family "$pid" | tr '\n' ' ')
  servers+=(haproxy)
fi

# ---------------------------------------------------------------- load
loadgen_raw() {  # the load generator on the client core, without the edge's JVM options
  PORTCULLIS_JAVA_OPTS= taskset -c "$CLIENT_CORE" "$root/bin/portcullis" loadgen --threads 1 --timeout 10s "$@"
}
loadgen() {  # loadgen LOGFILE ARGS...
  local logfile=$1; shift
  loadgen_raw "$@" >"$logfile" 2>&1
}

client_args() {  # client_args SERVER PATH [KEY]
  local key=${3:-client}
  echo "--url https://localhost:${port[$1]}$2 --cert $pki/$key.pem --key $pki/$key.key --insecure"
}

declare -A scenario_warm
rate=0
args_for() {  # args_for SCENARIO SERVER -> load generator arguments (the scenario table is bench.py's)
  local path key rest
  read -r path key rest < <(python3 "$bench/bench.py" scenario "$1" --rate "$rate")
  echo "$(client_args "$2" "$path" "$key") $rest"
}

measure() {  # measure SCENARIO SERVER REP ARGS...: one measured run, recorded in runs.jsonl
  # The load generator is a new JVM each run, so each run has its own warm-up (RUN_WARM). The edge's CPU
  # is read at each progress line (one a second); the reading at the line nearest the end of the
  # warm-up starts the window, the reading after the load generator exited (drained, closed) ends it.
  local sid=$1 server=$2 rep=$3; shift 3
  local name="run-$sid-$server-$rep" json c0 c1 t0 t1 line warm_s=${scenario_warm[$sid]:-$RUN_WARM}
  json="$out/$name.json"
  : >"$out/$name.cpu"
  { loadgen_raw "$@" --warmup "${warm_s}s" --duration "${DUR}s" --json "$json" 2>&1 >"$out/$name.log" \
      || log "  load generator exited non-zero for $sid/$server/$rep (see $out/$name.log)"; } |
    python3 "$bench/bench.py" stamp "$out/$name.cpu" "$out/$name.log" ${servpids[$server]}
  t1=$(date +%s%N); c1=$(cpu_ticks ${servpids[$server]})
  [ -f "$json" ] || die "no JSON from the load generator for $sid/$server/$rep: $(tail -n 5 "$out/$name.log")"
  read -r t0 c0 < <(awk -v w="$warm_s" '{ e = $0; sub(/^[^[]*\[ */, "", e); sub(/s\].*/, "", e); d = e - w; if (d < 0) d = -d;
      if (best == "" || d < best) { best = d; t = $1; c = $2 } } END { print t, c }' "$out/$name.cpu")
  [ -n "$t0" ] || die "no progress lines from the load generator for $sid/$server/$rep"
  python3 "$bench/bench.py" record "$runs" kind=load scenario="$sid" server="$server" rep="$rep" \
    cpuSeconds="$(python3 -c "print(($c1 - $c0) / $clk)")" wallSeconds="$(python3 -c "print(($t1 - $t0) / 1e9)")" \
    loadgen="$json"
  python3 "$bench/bench.py" run-line "$json" "$c0" "$c1" "$sid" "$server" "$rep"
}

warm() {  # warm SECONDS SERVER ARGS...
  local secs=$1 server=$2; shift 2
  loadgen "$out/warmup-$server.log" "$@" --duration "${secs}s" || true
}

run_scenario() {  # run_scenario ID SERVER...: alternate the servers REPS times (rotating the order)
  local sid=$1; shift
  local list=("$@") n=$# rep i server
  log "scenario $sid: ${list[*]}"
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((n - 1))); do
      server=${list[$(( (i + rep - 1) % n ))]}
      measure "$sid" "$server" "$rep" $(args_for "$sid" "$server")
    done
  done
}

log "JIT warm-up of Portcullis (${FIRST_WARM}s each of handshakes, HTTP/1.1, HTTP/2, 1 MB)"
for sid in 1 4 5 6; do warm "$FIRST_WARM" portcullis $(args_for "$sid" portcullis); done

# haproxy only where it is cheap to add: one handshake and two keep-alive scenarios (and idle memory).
nh=(portcullis nginx)
for sid in 1 2 3 4 5 6; do
  want "$sid" || continue
  case "$sid" in 1|4|5) run_scenario "$sid" "${servers[@]}" ;; *) run_scenario "$sid" "${nh[@]}" ;; esac
done

# Latency at half of saturation: open loop at half the lower of the scenario-4 medians, same rate for all.
if want L && want 4; then
rate=$(python3 "$bench/bench.py" half-rate "$runs" 4)
# The open loop falls behind while the new client JVM warms up; a longer warm-up lets that backlog
# clear before the measured window, which would otherwise start with it queued.
scenario_warm[L]=$(( RUN_WARM + 4 ))
run_scenario L "${nh[@]}"
fi

# PROFILE_SCENARIO picks the scenario profiled (default 1).
pscn=${PROFILE_SCENARIO:-1}
if [ "$profile" = 1 ] && want "$pscn"; then
  # JFR's CPU-time sampler (JDK 25) sees native methods too, as their Java frame; per-thread CPU comes
  # from /proc/PID/task, so JVM threads (GC, JIT) show up as well.
  log "JFR profile of Portcullis during scenario $pscn (${DUR}s, not counted in the table)"
  jfr_file=$out/scenario$pscn.jfr
  ppid=${servpids[portcullis]}
  "$JAVA_HOME/bin/jcmd" "$ppid" JFR.start name=bench settings=profile \
    "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" >"$out/jfr-start.log" 2>&1 \
    || "$JAVA_HOME/bin/jcmd" "$ppid" JFR.start name=bench settings=profile >"$out/jfr-start.log" 2>&1
  python3 "$bench/bench.py" threads "$ppid" >"$work/threads-before"
  loadgen "$out/profile-run.log" $(args_for "$pscn" portcullis) --warmup 1s --duration "${DUR}s" || true
  python3 "$bench/bench.py" threads "$ppid" >"$work/threads-after"
  "$JAVA_HOME/bin/jcmd" "$ppid" JFR.stop name=bench filename="$jfr_file" >"$out/jfr-stop.log" 2>&1 || true
  {
    python3 "$bench/bench.py" thread-cpu "$work/threads-before" "$work/threads-after"
    if [ -f "$jfr_file" ]; then
      for event in jdk.CPUTimeSample jdk.ExecutionSample; do
        "$JAVA_HOME/bin/jfr" print --events "$event" --stack-depth 64 "$jfr_file" >"$work/jfr-$event.txt" 2>/dev/null || continue
        [ -s "$work/jfr-$event.txt" ] || continue
        echo "== JFR $event"
        python3 "$bench/bench.py" jfr-top "$work/jfr-$event.txt" 15
      done
    fi
  } >"$out/profile-scenario$pscn.txt"
  log "profile summary in $out/profile-scenario$pscn.txt"
fi

# Scenario 7: the blog's revocation function with a 1M-key store, against the same Portcullis without it.
if want 7; then
log "scenario 7: Portcullis with the revocation function and a ${KVS_KEYS}-key store on 127.0.0.1:$F_PORT"
start_portcullis portcullis-function "$work/portcullis-function.yaml" "$F_PORT" \
  "portcullis with the function and a ${KVS_KEYS}-key store"
servpids[portcullis-function]=$started_pid
for i in $(seq 1 20); do  # the first calls may hit the function's timeout while the JS engine warms up
  probe=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client.key" \
    --resolve "localhost:$F_PORT:127.0.0.1" "https://localhost:$F_PORT/" || true)
  [ "$probe" = 200 ] && break
done
[ "$probe" = 200 ] || die "the function-enabled Portcullis answered '$probe' instead of 200; see $out/portcullis-function.log"
warm "$FUNCTION_WARM" portcullis-function $(args_for 7 portcullis-function)
port[portcullis]=$F_PORT; servpids_main=${servpids[portcullis]}; servpids[portcullis]=${servpids[portcullis-function]}
run_scenario 7 portcullis portcullis-no-function
servpids[portcullis]=$servpids_main; port[portcullis]=$P_PORT
stop_pid "${servpids[portcullis-function]}"
fi

# Scenario 11: scenario 4 through a viewer-request function (issue 15: at most 3 us of CPU more per
# request than the same Portcullis without it, which runs alongside as portcullis-no-function).
if want 11; then
log "scenario 11: Portcullis with a viewer-request function on 127.0.0.1:$VF_PORT"
start_portcullis portcullis-viewer-function "$work/portcullis-viewer-function.yaml" "$VF_PORT" \
  "portcullis with a viewer-request function"
servpids[portcullis-viewer-function]=$started_pid
warm "$FUNCTION_WARM" portcullis-viewer-function $(args_for 11 portcullis-viewer-function)
port[portcullis]=$VF_PORT; servpids_main=${servpids[portcullis]}; servpids[portcullis]=${servpids[portcullis-viewer-function]}
run_scenario 11 portcullis portcullis-no-function
servpids[portcullis]=$servpids_main; port[portcullis]=$P_PORT
stop_pid "${servpids[portcullis-viewer-function]}"
fi

# Scenarios 9 and 10: scenario 1's handshakes with revocation checks, against the same edges without
# (for Portcullis a new process without revocation, started and warmed like the one with it):
# 9 with OCSP (a real openssl responder; after the warm-up every handshake is a cache hit), 10 with the
# CA's CRL of CRL_ENTRIES serials. nginx: ssl_ocsp on (shared cache) and ssl_crl. Each edge with
# revocation runs as its own process on its own port, pinned to the server core like the others.
if want 9 || want 10; then
  log "revocation: openssl ocsp responder on 127.0.0.1:$R_PORT (index of $CRL_ENTRIES revoked serials), core $CLIENT_CORE"
  taskset -c "$CLIENT_CORE" $(cat "$pki/responder.cmd") >"$out/responder.log" 2>&1 &
  responder_pid=$!; pids+=("$responder_pid")
  for i in $(seq 1 500); do grep -q 'waiting for OCSP client connections' "$out/responder.log" && break; sleep 0.02; done
  for sid in 9 10; do
    want "$sid" || continue
    if [ "$sid" = 9 ]; then
      ssl_extra="ssl_ocsp on; ssl_ocsp_cache shared:ocsp:10m;"
      label=ocsp
    else
      ssl_extra="ssl_crl $pki/crl.pem;"
      label=crl
    fi
    edge_config "$label" "$work/portcullis-$label.yaml" "$PR_PORT"
    start_portcullis "portcullis-$label" "$work/portcullis-$label.yaml" "$PR_PORT" "portcullis with $label"
    servpids[portcullis-$label]=$started_pid; port[portcullis-$label]=$PR_PORT
    render "$bench/nginx-edge.conf" "$work/nginx-$label.conf" EDGE="$NR_PORT" SSL_EXTRA="$ssl_extra"
    sed -i "s|nginx-edge.pid|nginx-$label.pid|; s|nginx-edge.error.log|nginx-$label.error.log|" "$work/nginx-$label.conf"
    taskset -c "$SERVER_CORE" nginx -p "$work" -e "$work/nginx-$label.error.log" -c "$work/nginx-$label.conf" -g 'daemon off;' \
      >"$out/nginx-$label.log" 2>&1 &
    pid=$!; pids+=("$pid")
    wait_port "$NR_PORT" "$pid" || die "nginx with $label did not start: $(cat "$work/nginx-$label.error.log")"
    sleep 0.2
    servpids[nginx-$label]=$(family "$pid" | tr '\n' ' '); port[nginx-$label]=$NR_PORT
    for server in "portcullis-$label" "nginx-$label"; do
      code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/client-rev.pem" \
        --key "$pki/client-rev.key" "https://localhost:${port[$server]}/" || true)
      [ "$code" = 200 ] || die "$server answered '$code' to the client with revocation data instead of 200"
    done
    # The baseline is a new process too, warmed as long: JIT warmth, not revocation, would otherwise
    # decide the difference between a long-running node and a new one.
    start_portcullis "portcullis-plain" "$work/portcullis-start.yaml" "$S_PORT" "portcullis without revocation"
    servpids[portcullis-plain]=$started_pid; port[portcullis-plain]=$S_PORT
    warm "$FUNCTION_WARM" "portcullis-$label" $(args_for "$sid" "portcullis-$label")
    warm "$FUNCTION_WARM" portcullis-plain $(args_for "$sid" portcullis-plain)
    run_scenario "$sid" portcullis-plain "portcullis-$label" nginx "nginx-$label"
    stop_pid "${servpids[portcullis-plain]}"
    stop_pid "${servpids[portcullis-$label]}"
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
fi

# Scenario 8: idle connections held open; RSS of the edge before and while they are held. The JVM's RSS
# depends on how much heap and buffer memory earlier load left committed, so Portcullis is measured
# twice: the long-running process used above, and a new one that has served nothing yet.
settle() {  # a JVM's RSS also holds garbage: full GC (G1 then returns free heap) before reading it
  case "$1" in portcullis*) "$JAVA_HOME/bin/jcmd" "${servpids[$1]}" GC.run >/dev/null 2>&1 || true; sleep 1 ;; esac
}
idle_servers=("${servers[@]}")
if want 8; then
  log "scenario 8: a new Portcullis process on 127.0.0.1:$S_PORT"
  start_portcullis portcullis-new "$work/portcullis-start.yaml" "$S_PORT" "portcullis, bench config (bin/portcullis run to port accepting)"
  servpids[portcullis-new-process]=$started_pid; port[portcullis-new-process]=$S_PORT
  idle_servers+=(portcullis-new-process)
  sleep 2
fi
for server in "${idle_servers[@]}"; do
  want 8 || break
  log "scenario 8: $IDLE idle mTLS connections to $server"
  sp=${servpids[$server]} n=$IDLE
  if [ "$server" = haproxy ] && [ "$n" -gt $(( hap_maxconn - 100 )) ]; then
    n=$(( hap_maxconn - 100 )); log "  haproxy: $n connections (its maxconn is capped by ulimit -n $(ulimit -n))"
  fi
  settle "$server"
  fd0=$(fd_count $sp); rss0=$(rss_kb $sp)
  hold=5   # seconds held after the last connection opened
  PORTCULLIS_JAVA_OPTS= taskset -c "$CLIENT_CORE" "$root/bin/portcullis" loadgen --threads 1 --timeout 30s \
    $(client_args "$server" /) --hold-idle "$n" --duration "${hold}s" --json "$out/idle-$server.json" \
    >"$out/idle-$server.log" 2>&1 &
  lg=$!
  for i in $(seq 1 1200); do  # until the load generator says it holds them (at most 120 s)
    grep -q '^holding' "$out/idle-$server.log" && break
    kill -0 "$lg" 2>/dev/null || break
    sleep 0.1
  done
  sleep 2
  settle "$server"
  rss1=$(rss_kb $sp); fd1=$(fd_count $sp)
  wait "$lg" || log "  load generator exited non-zero (see $out/idle-$server.log)"
  opened=$(python3 -c "import json; print(json.load(open('$out/idle-$server.json'))['idle']['opened'])")
  python3 "$bench/bench.py" record "$runs" kind=idle server="$server" requested="$n" opened="$opened" \
    rssBeforeKb="$rss0" rssHeldKb="$rss1" fdBefore="$fd0" fdHeld="$fd1"
  log "  $server: $opened open, RSS $rss0 KB -> $rss1 KB, fds $fd0 -> $fd1"
done

# ---------------------------------------------------------------- summary
export M_COMMAND="load-tests/compare.sh $orig_args" M_QUICK=$quick M_REPS=$REPS M_DUR=$DUR M_WARM=$RUN_WARM M_IDLE=$IDLE \
  M_SERVER_CORE=$SERVER_CORE M_CLIENT_CORE=$CLIENT_CORE M_CRL=$CRL_ENTRIES M_RATE=$rate M_NPROC=$(nproc) M_KVS=$KVS_KEYS M_COMMIT="$commit"
M_CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') M_KERNEL=$(uname -r) \
M_JAVA=$("$JAVA_HOME/bin/java" -version 2>&1 | tr '\n' ' ') M_NGINX=$(nginx -v 2>&1) \
M_HAPROXY=$([ "$use_haproxy" = 1 ] && haproxy -v | head -n 1 || echo none) M_OPENSSL=$(openssl version) \
M_PORTCULLIS=$(tr '\n' ' ' <"$out/version.txt") python3 "$bench/bench.py" meta "$out/meta.json"
echo
python3 "$bench/bench.py" summarize "$runs" "$out/meta.json" "$out"
log "results in $out (results.md, results.json, runs.jsonl)"
