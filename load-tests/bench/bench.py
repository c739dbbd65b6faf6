#!/usr/bin/env python3
"""Helpers for load-tests/compare.sh and load-tests/ab.sh (standard library only). The scenarios, the
edge configs and the CPU measurement live here once, for both scripts.

  bench.py scenario ID [--rate R]        the scenario's path, client key and load generator arguments,
                                         on one line (ID: 1-11, L; ab.sh's hs, ka, h2 are 1, 4, 5)
  bench.py config KIND OUT key=value...  renders bench/portcullis.yaml for an edge of KIND (plain, fn,
                                         viewer-fn, logs, logs-w3c, ocsp, crl, resumption); keys: edge, work, pki,
                                         origin (h2c port), kvs (import file, fn), logs (directory)
  bench.py meta OUT                      compare.sh's run description (M_* variables) and the scenarios
  bench.py cpu PID...                    CPU of the processes so far (utime+stime, clock ticks)
  bench.py stamp CPUFILE LOGFILE PID...  reads the load generator's output: each progress line goes to
                                         CPUFILE as "nanotime ticks line", anything else to LOGFILE
  bench.py run-line JSON C0 C1 SID SERVER REP   one measured run's summary line
  bench.py half-rate RUNS SCENARIO       half the lowest of the servers' median request rates
  bench.py threads PID                   a CPU snapshot: "process TICKS", then per thread
                                         "tid ticks schedstat-ns context-switches name"
  bench.py split BEFORE AFTER JSON LABEL REP    ab.sh's line: CPU per operation (process ticks) and
                                         its split by thread name (each thread's schedstat share)
  bench.py wait-port PORT [PID]          waits until 127.0.0.1:PORT accepts (60 s at most); fails
                                         at once if process PID has ended
  bench.py prefault MB                   writes and deletes MB of a tmpfs file (see PREFAULT_MB)
  bench.py ports N                       N free loopback TCP ports, one per line
  bench.py kvs N FILE                    a KeyValueStore import file with N random hex keys
  bench.py record RUNS key=value...      append one measured run to RUNS (JSON lines);
                                         loadgen=FILE embeds the load generator's JSON summary
  bench.py summarize RUNS META OUT_DIR   median table (markdown to stdout and OUT_DIR/results.md),
                                         OUT_DIR/results.json, and the targets of issue 5
  bench.py jfr-top JFR_TEXT N            top N leaf frames, threads and Portcullis methods of
                                         `jfr print --events EVENT` output
  bench.py thread-cpu BEFORE AFTER       CPU per thread name between two `threads` snapshots
  bench.py window BEFORE AFTER N T0 SERVER RUNS   warmup.sh's line for one window of N handshakes from
                                         T0 s after the port opened; appends it to RUNS (JSON lines)
  bench.py warmup-summary RUNS           per server: first 10 s against the steady state (last 20 s)

CPU is measured one way: utime+stime of every process of the edge (all their threads, including any
that ended) from /proc/PID/stat, read when the load generator's warm-up ends and after it exits. The
per-thread split reads /proc/PID/task/TID/schedstat, the scheduler's exact on-CPU time (ticks are
charged to whichever thread a 10 ms tick finds running, too coarse for a log writer's short bursts),
and apportions the process total by those shares.
"""
import json
import os
import re
import secrets
import socket
import statistics
import sys
import time
from collections import Counter

PORTCULLIS, NGINX, HAPROXY = "portcullis", "nginx", "haproxy"
CLK = os.sysconf("SC_CLK_TCK")

_HANDSHAKES = "--new-connection-per-request --connections 32"
_KEEP_ALIVE = "--http 1.1 --connections 32"
# The one scenario table: id -> (title, kind, path, client key, load generator arguments). Titles may
# name {rate}, {kvs} and {crl}, which meta fills in.
SCENARIOS = {
    "1": ("full handshakes, TLS 1.3, P-256 client", "handshake", "/", "client", _HANDSHAKES + " --tls 1.3"),
    "2": ("full handshakes, TLS 1.3, RSA-2048 client", "handshake", "/", "client-rsa", _HANDSHAKES + " --tls 1.3"),
    "3": ("full handshakes, TLS 1.2, P-256 client", "handshake", "/", "client", _HANDSHAKES + " --tls 1.2"),
    "4": ("keep-alive HTTP/1.1, 32 connections, small response", "request", "/", "client", _KEEP_ALIVE),
    "5": ("HTTP/2, 4 connections x 10 streams, small response", "request", "/", "client",
          "--http 2 --streams 10 --connections 4"),
    "6": ("1 MB responses, HTTP/1.1, 4 connections", "request", "/1m", "client", "--http 1.1 --connections 4"),
    "L": ("open loop HTTP/1.1 at half of saturation ({rate} req/s)", "request", "/", "client",
          "--http 1.1 --connections 64 --rate {rate}"),
    "7": ("scenario 1 + revocation function, {kvs}-key store", "handshake", "/", "client", _HANDSHAKES + " --tls 1.3"),
    "8": ("idle connections", "idle", "/", "client", ""),
    "9": ("scenario 1 + OCSP (warm cache; nginx ssl_ocsp on)", "handshake", "/", "client-rev",
          _HANDSHAKES + " --tls 1.3"),
    "10": ("scenario 1 + a {crl}-entry CRL (nginx ssl_crl)", "handshake", "/", "client-rev", _HANDSHAKES + " --tls 1.3"),
    "11": ("scenario 4 + a viewer-request function on every request", "request", "/", "client", _KEEP_ALIVE),
}
ALIASES = {"hs": "1", "ka": "4", "h2": "5"}


def scenario(sid, rate=0):
    _, _, path, key, args = SCENARIOS[ALIASES.get(sid, sid)]
    print(path, key, args.format(rate=rate))


def config(kind, out, pairs):
    """One edge's config: bench/portcullis.yaml with what KIND adds (the function, the logs, revocation)."""
    v = dict(pair.partition("=")[::2] for pair in pairs)
    bench = os.path.dirname(os.path.abspath(__file__))
    function = extra = trust_extra = ""
    if kind == "fn":
        # 100 ms rather than the 5 ms default: while the JS engine warms up its first calls take longer
        # and would be refused; these runs measure CPU, not that cut-off.
        function = "    connectionFunctionAssociation: {id: revocation-check}"
        extra = (f"keyValueStores:\n  - {{name: revoked-serials, importSource: {v['kvs']}}}\n"
                 f"connectionFunctions:\n  - {{name: revocation-check, code: {bench}/revocation.js, "
                 f"keyValueStoreAssociations: [revoked-serials], timeout: 100ms}}")
    elif kind == "viewer-fn":
        function = ('    cacheBehaviors:\n      - {pathPattern: "/*", targetOriginId: origin, functionAssociations: '
                    '[{eventType: viewer-request, functionName: subject-policy}]}')
        extra = f"functions:\n  - {{name: subject-policy, code: {bench}/viewer-function.js, timeout: 100ms}}"
    elif kind in ("logs", "logs-w3c"):
        fmt_ = "w3c" if kind == "logs-w3c" else "json"
        extra = (f"logging:\n  connectionLogs: {{destination: {v['logs']}/connection.log, format: {fmt_}}}\n"
                 f"  accessLogs: {{destination: {v['logs']}/access.log, format: {fmt_}}}")
    elif kind == "resumption":
        pass  # below: sessionResumption in viewerMtlsConfig
    elif kind == "ocsp":
        trust_extra = ", useClientCertificateOcspEndpoint: true"
    elif kind == "crl":
        trust_extra = f", crls: [{v['pki']}/crl.pem]"
    elif kind != "plain":
        sys.exit(f"bench.py config: unknown kind {kind!r} (plain, fn, viewer-fn, logs, logs-w3c, ocsp, crl, resumption)")
    text = open(os.path.join(bench, "portcullis.yaml")).read()
    if kind == "resumption":
        text = text.replace("      mode: required\n", "      mode: required\n      sessionResumption: true\n")
    for name, value in (("EDGE", v["edge"]), ("WORK", v["work"]), ("PKI", v["pki"]), ("ORIGIN_H2C", v["origin"]),
                        ("FUNCTION", function), ("EXTRA", extra), ("TRUST_EXTRA", trust_extra)):
        text = text.replace(f"@{name}@", value)
    with open(out, "w") as f:
        f.write(text)


def meta(out):
    e = os.environ
    fill = {"rate": e["M_RATE"], "kvs": e["M_KVS"], "crl": e["M_CRL"]}
    doc = {
        "command": e["M_COMMAND"].strip(), "quick": e["M_QUICK"] == "1", "reps": int(e["M_REPS"]),
        "durationSeconds": int(e["M_DUR"]), "warmupSeconds": int(e["M_WARM"]), "idleConnections": int(e["M_IDLE"]),
        "serverCore": int(e["M_SERVER_CORE"]), "clientCore": int(e["M_CLIENT_CORE"]), "latencyRate": int(e["M_RATE"]),
        "nproc": int(e["M_NPROC"]), "cpu": e["M_CPU"], "kernel": e["M_KERNEL"], "java": e["M_JAVA"].strip(),
        "nginx": e["M_NGINX"], "haproxy": e["M_HAPROXY"], "openssl": e["M_OPENSSL"],
        "portcullis": e["M_PORTCULLIS"].strip(), "commit": e["M_COMMIT"], "cpuMeasure": "utime+stime, /proc/PID/stat",
        "scenarios": [{"id": sid, "title": title.format(**fill), "kind": kind}
                      for sid, (title, kind, _, _, _) in SCENARIOS.items()],
    }
    json.dump(doc, open(out, "w"), indent=1)


def cpu_ticks(pids):
    """utime+stime of the processes (all their threads, ended ones included), in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def stamp(cpu_file, log_file, pids):
    with open(cpu_file, "a") as cpu, open(log_file, "a") as log:
        for line in sys.stdin:
            if line.startswith("["):
                cpu.write(f"{time.time_ns()} {cpu_ticks(pids)} {line}")
                cpu.flush()
            else:
                log.write(line)


def run_line(json_path, c0, c1, sid, server, rep):
    s = json.load(open(json_path))
    c = (c1 - c0) / CLK
    n = s["requests"] or 1
    print(f"  {sid} {server:>22} #{rep}: {s['requestsPerSecond']:9.0f} req/s {s['handshakesPerSecond']:7.0f} hs/s "
          f"cpu {c:5.2f}s = {c * 1e6 / n:7.1f} us/op, p99 {s['latencyMs']['p99']:.2f} ms, failed {s['failed']}",
          file=sys.stderr)


def half_rate(runs_path, sid):
    rates = {}
    for line in open(runs_path):
        r = json.loads(line)
        if r.get("scenario") == sid:
            rates.setdefault(r["server"], []).append(r["loadgen"]["requestsPerSecond"])
    print(int(0.5 * min(statistics.median(v) for v in rates.values())))


def threads(pid):
    print("process", cpu_ticks([pid]))
    task_dir = f"/proc/{pid}/task"
    for tid in sorted(os.listdir(task_dir), key=int):
        try:
            fields = open(f"{task_dir}/{tid}/stat").read().rpartition(")")[2].split()
            sched_ns = open(f"{task_dir}/{tid}/schedstat").read().split()[0]
            name = open(f"{task_dir}/{tid}/comm").read().strip()
            status = open(f"{task_dir}/{tid}/status").read()
        except OSError:
            continue  # the thread ended meanwhile
        switches = sum(int(m) for m in re.findall(r"ctxt_switches:\s+(\d+)", status))
        print(tid, int(fields[11]) + int(fields[12]), sched_ns, switches, name)


def _snapshot(path):
    process, per = 0, {}
    for line in open(path):
        if line.startswith("process "):
            process = int(line.split()[1])
            continue
        tid, ticks, sched_ns, switches, name = line.rstrip("\n").split(" ", 4)
        per[tid] = (name, int(ticks), int(sched_ns), int(switches))
    return process, per


def _by_thread_name(before, after):
    """Per thread name (numbers dropped): schedstat ns and context switches between two snapshots."""
    b, a = _snapshot(before)[1], _snapshot(after)[1]
    ns, switches = Counter(), 0
    for tid, (name, _, t, c) in a.items():
        _, _, t0, c0 = b.get(tid, (name, 0, 0, 0))
        ns[re.sub(r"[-#]?\d+(-\d+)?$", "", name)] += t - t0
        switches += c - c0
    return ns, switches


def split(before, after, json_path, label, rep):
    s = json.load(open(json_path))
    n = s["requests"] or 1
    cpu_s = (_snapshot(after)[0] - _snapshot(before)[0]) / CLK
    ns, switches = _by_thread_name(before, after)
    total_ns = sum(ns.values()) or 1
    us = lambda share: cpu_s * share * 1e6 / n
    print(f"{label:>12} #{rep}: {s['requestsPerSecond']:8.0f} ops/s  cpu {cpu_s * 1e6 / n:7.1f} us/op  "
          f"csw/op {switches / n:5.2f}  failed {s['failed']}")
    print("               " + ", ".join(f"{k} {us(v / total_ns):.1f}" for k, v in ns.most_common(8) if v > 0))


def wait_port(port, pid=None, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            pass
        if pid is not None and not os.path.exists(f"/proc/{pid}"):
            sys.exit(f"bench.py wait-port: process {pid} ended before 127.0.0.1:{port} accepted")
        time.sleep(0.02)
    sys.exit(f"bench.py wait-port: 127.0.0.1:{port} did not accept within {seconds} s")


def prefault(mb):
    """On a VM whose host backs guest memory lazily, the first write to a never-used page costs about 5x a
    later one; log files grow into fresh page cache, so logging runs on a new VM would measure the
    hypervisor. Touching the memory first (a tmpfs file, deleted at once) takes that out."""
    path = "/dev/shm/portcullis-prefault"
    chunk = bytes(1 << 20)
    try:
        with open(path, "wb") as f:
            for _ in range(mb):
                f.write(chunk)
    except OSError as e:
        print(f"bench.py prefault: {e}", file=sys.stderr)
    finally:
        if os.path.exists(path):
            os.remove(path)


def ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    for s in socks:
        print(s.getsockname()[1])
        s.close()


def kvs(n, path):
    # 8-byte serials as lowercase hex without colons, as the blog's function looks them up
    with open(path, "w") as out:
        out.write('{"data":[')
        for i in range(n):
            out.write(('' if i == 0 else ',') + '{"key":"%s","value":"r"}' % secrets.token_hex(8))
        out.write(']}\n')


def parse_value(v):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def record(path, pairs):
    rec = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key == "loadgen":
            with open(value) as f:
                rec["loadgen"] = json.load(f)
        else:
            rec[key] = value if key in ("scenario", "server", "label", "kind") else parse_value(value)
    with open(path, "a") as out:
        out.write(json.dumps(rec) + "\n")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def summarize(runs_path, meta_path, out_dir):
    with open(meta_path) as f:
        meta = json.load(f)
    runs = [json.loads(line) for line in open(runs_path) if line.strip()]
    scenarios = meta["scenarios"]  # ordered list of {id, title, kind}
    results = {"meta": meta, "scenarios": [], "idle": [], "startup": [], "targets": []}
    by = {}
    for r in runs:
        if r.get("kind") == "load":
            by.setdefault((r["scenario"], r["server"]), []).append(r)

    rows = []
    for sc in scenarios:
        sid, kind = sc["id"], sc["kind"]
        if kind in ("idle", "startup"):
            continue
        entry = {"id": sid, "title": sc["title"], "servers": {}}
        for server in (PORTCULLIS, NGINX, HAPROXY, "portcullis-no-function", "portcullis-plain", "portcullis-ocsp",
                       "nginx-ocsp", "portcullis-crl", "nginx-crl"):
            reps = by.get((sid, server))
            if not reps:
                continue
            def per_rep(r):
                lg = r["loadgen"]
                ops = lg["requests"]
                rate = lg["handshakesPerSecond"] if kind == "handshake" else lg["requestsPerSecond"]
                cpu = r["cpuSeconds"]
                return {
                    "rep": r["rep"], "ops": ops, "ok": lg["ok"], "failed": lg["failed"],
                    "rate": rate, "mbps": lg["bytesInPerSecond"] / 1e6,
                    "cpuSeconds": cpu, "wallSeconds": r["wallSeconds"],
                    "cpuUsPerOp": cpu * 1e6 / ops if ops else None,
                    "busy": cpu / r["wallSeconds"] if r["wallSeconds"] else None,
                    "p50": lg["latencyMs"]["p50"], "p90": lg["latencyMs"]["p90"], "p99": lg["latencyMs"]["p99"],
                    "p999": lg["latencyMs"]["p99_9"], "max": lg["latencyMs"]["max"],
                    "errors": {k: v for k, v in lg["errors"].items() if v}, "tlsFailures": lg.get("tlsFailures", {}),
                    "settings": lg["settings"],
                }
            detail = [per_rep(r) for r in reps]
            med = {k: median([d[k] for d in detail]) for k in
                   ("rate", "mbps", "cpuUsPerOp", "busy", "p50", "p90", "p99", "p999")}
            med["failed"] = sum(d["failed"] for d in detail)
            med["ops"] = sum(d["ops"] for d in detail)
            entry["servers"][server] = {"median": med, "runs": detail}
        p, n = entry["servers"].get(PORTCULLIS), entry["servers"].get(NGINX)
        base = n or entry["servers"].get("portcullis-no-function")
        for label in ("ocsp", "crl"):  # scenarios 9 and 10: each edge with revocation against itself without
            with_, without = entry["servers"].get("portcullis-" + label), entry["servers"].get("portcullis-plain")
            nwith, nwithout = entry["servers"].get("nginx-" + label), entry["servers"].get(NGINX)
            if with_ and without:
                entry["revocationOverhead"] = {
                    "portcullis": with_["median"]["cpuUsPerOp"] / without["median"]["cpuUsPerOp"] - 1,
                    "nginx": (nwith["median"]["cpuUsPerOp"] / nwithout["median"]["cpuUsPerOp"] - 1) if nwith and nwithout else None,
                }
        if p and base:
            entry["ratio"] = {
                "throughput": p["median"]["rate"] / base["median"]["rate"] if base["median"]["rate"] else None,
                "cpuPerOp": p["median"]["cpuUsPerOp"] / base["median"]["cpuUsPerOp"]
                if base["median"]["cpuUsPerOp"] else None,
                "against": NGINX if n else "portcullis-no-function",
            }
        results["scenarios"].append(entry)
        for server, s in entry["servers"].items():
            m = s["median"]
            ratio = ""
            if server == PORTCULLIS and "ratio" in entry:
                ratio = f'{entry["ratio"]["throughput"]:.2f} / {entry["ratio"]["cpuPerOp"]:.2f}'
                if entry["ratio"]["against"] != NGINX:
                    ratio += " (vs no function)"
            unit = "hs/s" if kind == "handshake" else "req/s"
            rate = f'{fmt(m["rate"])} {unit}' + (f' ({fmt(m["mbps"])} MB/s)' if sid == "6" else "")
            rows.append(f'| {sid} {sc["title"]} | {server} | {rate} | {fmt(m["cpuUsPerOp"], 1)} | '
                        f'{fmt(100 * m["busy"] if m["busy"] is not None else None)}% | '
                        f'{fmt(m["p50"], 2)} / {fmt(m["p99"], 2)} / {fmt(m["p999"], 2)} | '
                        f'{m["failed"]} of {m["ops"]:,} | {len(s["runs"])} | {ratio} |')

    lines = ["| scenario | server | throughput (median) | server CPU µs per handshake or request (median) "
             "| server core busy | latency ms p50 / p99 / p99.9 (median) | failed | runs "
             "| Portcullis/nginx: throughput / CPU per op |",
             "|---|---|---|---|---|---|---|---|---|"] + rows

    idle_rows = []
    for r in runs:
        if r.get("kind") == "idle":
            per = (r["rssHeldKb"] - r["rssBeforeKb"]) * 1024 / r["opened"] if r["opened"] else None
            results["idle"].append({**r, "bytesPerConnection": per})
            idle_rows.append(f'| {r["server"]} | {r["opened"]:,} of {r["requested"]:,} | {r["rssBeforeKb"]:,} KB | '
                             f'{r["rssHeldKb"]:,} KB | {fmt(per / 1024 if per is not None else None, 1)} KB |')
    if idle_rows:
        lines += ["", "Scenario 8, idle mTLS connections held open (VmRSS of the server's processes):", "",
                  "| server | connections open | RSS before | RSS while held | RSS per connection |",
                  "|---|---|---|---|---|"] + idle_rows

    starts = [r for r in runs if r.get("kind") == "startup"]
    start_lines = []
    for label in sorted({r["label"] for r in starts}):
        ms = [r["ms"] for r in starts if r["label"] == label]
        results["startup"].append({"label": label, "ms": ms, "medianMs": median(ms)})
        start_lines.append(f'- start to listening, {label}: median {fmt(median(ms))} ms of {len(ms)} '
                           f'({", ".join(fmt(x) for x in ms)} ms)')
    if start_lines:
        lines += [""] + start_lines

    results["targets"] = targets(results)
    lines += ["", "Targets of issue 5 (from this run):", "", "| target | measured | met |", "|---|---|---|"]
    for t in results["targets"]:
        lines.append(f'| {t["target"]} | {t["measured"]} | {"yes" if t["met"] else ("no" if t["met"] is not None else "not measured")} |')

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


def targets(results):
    sc = {s["id"]: s for s in results["scenarios"]}

    def med(sid, server, key):
        s = sc.get(sid, {}).get("servers", {}).get(server)
        return s["median"][key] if s else None

    out = []

    def add(target, measured, met):
        out.append({"target": target, "measured": measured, "met": met})

    p1, n1 = med("1", PORTCULLIS, "cpuUsPerOp"), med("1", NGINX, "cpuUsPerOp")
    if p1 and n1:
        add("full mTLS handshakes (scenario 1): CPU per handshake <= 0.5x nginx",
            f"{p1:.0f} µs vs nginx {n1:.0f} µs = {p1 / n1:.2f}x", p1 / n1 <= 0.5)
    for sid, label in (("4", "HTTP/1.1"), ("5", "HTTP/2")):
        p, n = med(sid, PORTCULLIS, "cpuUsPerOp"), med(sid, NGINX, "cpuUsPerOp")
        if p and n:
            add(f"keep-alive proxied requests, {label} viewer (scenario {sid}): CPU per request <= nginx",
                f"{p:.1f} µs vs nginx {n:.1f} µs = {p / n:.2f}x", p <= n)
    lat = sc.get("L")
    if lat and PORTCULLIS in lat["servers"]:
        p99 = lat["servers"][PORTCULLIS]["median"]["p99"]
        rate = lat["servers"][PORTCULLIS]["runs"][0]["settings"]["rate"]
        n99 = med("L", NGINX, "p99")
        add("added latency p99 at half of saturation < 1 ms",
            f"p99 {p99:.2f} ms end to end at {rate:,.0f} req/s (nginx {n99:.2f} ms); includes client and origin"
            if n99 is not None else f"p99 {p99:.2f} ms at {rate:,.0f} req/s", p99 < 1.0)
    s7 = sc.get("7")
    if s7 and PORTCULLIS in s7["servers"] and "portcullis-no-function" in s7["servers"]:
        f7 = s7["servers"][PORTCULLIS]["median"]["cpuUsPerOp"]
        b7 = s7["servers"]["portcullis-no-function"]["median"]["cpuUsPerOp"]
        add("connection function + 1M-key store (scenario 7): < 10% more CPU per handshake than scenario 1",
            f"{f7:.0f} µs vs {b7:.0f} µs without the function = +{100 * (f7 / b7 - 1):.0f}%", f7 / b7 < 1.10)
    for sid, label, what in (("9", "ocsp", "OCSP, warm cache"), ("10", "crl", "a 100,000-entry CRL")):
        o = sc.get(sid, {}).get("revocationOverhead")
        if o:
            nginx = f' (nginx: {100 * o["nginx"]:+.0f}%)' if o["nginx"] is not None else ""
            add(f"handshake CPU with {what} (scenario {sid}): < 5% above the same new process without revocation",
                f'{100 * o["portcullis"]:+.1f}%{nginx}', o["portcullis"] < 0.05)
    idle = [r for r in results["idle"] if r["server"].startswith(PORTCULLIS) and r["bytesPerConnection"] is not None]
    if idle:
        worst = max(r["bytesPerConnection"] for r in idle)
        add("idle connections: < 20 KB RSS each (the larger of the Portcullis measurements)",
            "; ".join(f'{r["server"]}: {r["bytesPerConnection"] / 1024:.1f} KB ({r["opened"]:,} held)' for r in idle),
            worst < 20 * 1024)
    for s in results["startup"]:
        if s["label"].startswith("portcullis, bench config"):
            add("start to listening < 3 s", f'{s["medianMs"]:.0f} ms (median of {len(s["ms"])})', s["medianMs"] < 3000)
    return out


def jfr_top(path, n):
    """Leaf frames by share of samples (weighted by samplingPeriod when the event has one), samples by
    thread, and the Portcullis methods found anywhere on the stack (inclusive share)."""
    text = open(path, errors="replace").read()
    leaf, threads, inclusive, total = Counter(), Counter(), Counter(), 0.0
    for event in re.split(r"\n(?=jdk\.\w+ \{)", text):
        frames = re.findall(r"^\s{4}([\w$.<>/]+)\(", event, re.M)
        if not frames:
            continue
        period = re.search(r"samplingPeriod = ([\d.]+) ms", event)
        weight = float(period.group(1)) if period else 1.0
        thread = re.search(r'eventThread = "([^"]*)"', event)
        total += weight
        leaf[frames[0]] += weight
        threads[re.sub(r"-\d+(-\d+)?$", "", thread.group(1)) if thread else "?"] += weight
        for name in {f for f in frames if f.startswith("dev.portcullis.")}:
            inclusive[name] += weight
    total = total or 1.0
    print(f"samples by thread:")
    for name, w in threads.most_common(n):
        print(f"  {100 * w / total:5.1f}%  {name}")
    print("top frames (where the CPU was, native methods included as their Java frame):")
    for name, w in leaf.most_common(n):
        print(f"  {100 * w / total:5.1f}%  {name}")
    print("Portcullis methods on the stack (inclusive):")
    for name, w in inclusive.most_common(n):
        print(f"  {100 * w / total:5.1f}%  {name}")


def thread_cpu(before, after):
    """CPU seconds per thread name between two `threads` snapshots: the process total by schedstat share."""
    cpu_s = (_snapshot(after)[0] - _snapshot(before)[0]) / CLK
    ns, _ = _by_thread_name(before, after)
    total_ns = sum(ns.values()) or 1
    print(f"server CPU by thread (utime+stime from /proc/PID/stat, {cpu_s:.2f} s in all, split by schedstat):")
    for name, t in ns.most_common(12):
        if t:
            print(f"  {100 * t / total_ns:5.1f}%  {cpu_s * t / total_ns:6.2f} s  {name}")


JIT = re.compile(r"^(C1|C2) CompilerThre|^JVMCI|^Truffle|^TruffleCompil")
GC = re.compile(r"^(GC Thread|G1 |VM Thread)")


def window(before, after, n, t0, server, runs):
    """One warm-up window: CPU per handshake, and how much of it the JIT compilers and the GC took."""
    n = int(n)
    cpu_s = (_snapshot(after)[0] - _snapshot(before)[0]) / CLK
    ns, _ = _by_thread_name(before, after)
    total_ns = sum(ns.values()) or 1
    jit = sum(v for k, v in ns.items() if JIT.search(k)) / total_ns
    gc = sum(v for k, v in ns.items() if GC.search(k)) / total_ns
    per = cpu_s * 1e6 / max(1, n)
    with open(runs, "a") as f:
        f.write(json.dumps({"server": server, "t0": float(t0), "handshakes": n, "cpu_s": cpu_s,
                            "jit": jit, "gc": gc}) + "\n")
    print(f"{server:>10} {float(t0):5.0f}s  {n:6d} handshakes  {per:7.0f} us each"
          f"  (JIT {per * jit:5.0f}, GC {per * gc:4.0f}, rest {per * (1 - jit - gc):5.0f})")


def warmup_summary(runs):
    rows = [json.loads(line) for line in open(runs)]
    by = {}
    for r in rows:
        by.setdefault(r["server"], []).append(r)
    steady = {}
    for server, ws in by.items():
        end = max(w["t0"] for w in ws)
        first = [w for w in ws if w["t0"] < 10]
        last = [w for w in ws if w["t0"] > end - 20]
        per = lambda sel: sum(w["cpu_s"] for w in sel) * 1e6 / max(1, sum(w["handshakes"] for w in sel))
        steady[server] = per(last)
        print(f"{server}: first 10 s {per(first):.0f} us per handshake, steady state (last 20 s) "
              f"{per(last):.0f} us: first / steady = {per(first) / per(last):.2f}x")
    if "portcullis" in steady and "nginx" in steady:
        print(f"steady state portcullis / nginx = {steady['portcullis'] / steady['nginx']:.2f}x")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "wait-port":
        wait_port(int(argv[2]), int(argv[3]) if len(argv) > 3 else None)
    elif cmd == "prefault":
        prefault(int(argv[2]))
    elif cmd == "ports":
        ports(int(argv[2]))
    elif cmd == "kvs":
        kvs(int(argv[2]), argv[3])
    elif cmd == "record":
        record(argv[2], argv[3:])
    elif cmd == "summarize":
        summarize(argv[2], argv[3], argv[4])
    elif cmd == "jfr-top":
        jfr_top(argv[2], int(argv[3]))
    elif cmd == "thread-cpu":
        thread_cpu(argv[2], argv[3])
    elif cmd == "window":
        window(*argv[2:8])
    elif cmd == "warmup-summary":
        warmup_summary(argv[2])
    elif cmd == "scenario":
        scenario(argv[2], int(argv[4]) if len(argv) > 4 and argv[3] == "--rate" else 0)
    elif cmd == "config":
        config(argv[2], argv[3], argv[4:])
    elif cmd == "meta":
        meta(argv[2])
    elif cmd == "cpu":
        print(cpu_ticks(argv[2:]))
    elif cmd == "stamp":
        stamp(argv[2], argv[3], argv[4:])
    elif cmd == "run-line":
        run_line(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], argv[7])
    elif cmd == "half-rate":
        half_rate(argv[2], argv[3])
    elif cmd == "threads":
        threads(argv[2])
    elif cmd == "split":
        split(argv[2], argv[3], argv[4], argv[5], argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
