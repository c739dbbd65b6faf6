#!/usr/bin/env python3
"""Helpers for load-tests/compare.sh (standard library only).

  bench.py ports N                       N free loopback TCP ports, one per line
  bench.py kvs N FILE                    a KeyValueStore import file with N random hex keys
  bench.py record RUNS key=value...      append one measured run to RUNS (JSON lines);
                                         loadgen=FILE embeds the load generator's JSON summary
  bench.py summarize RUNS META OUT_DIR   median table (markdown to stdout and OUT_DIR/results.md),
                                         OUT_DIR/results.json, and the targets of issue 5
  bench.py jfr-top JFR_TEXT N            top N leaf frames, threads and Portcullis methods of
                                         `jfr print --events EVENT` output
  bench.py thread-cpu BEFORE AFTER CLK   CPU per thread name between two listings of
                                         "tid ticks name" lines
"""
import json
import os
import re
import secrets
import socket
import statistics
import sys
from collections import Counter

PORTCULLIS, NGINX, HAPROXY = "portcullis", "nginx", "haproxy"


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


def thread_cpu(before, after, clk):
    """CPU seconds per thread name between two `name ticks` listings (one line per thread)."""
    def load(path):
        out = {}
        for line in open(path):
            tid, ticks, name = line.rstrip("\n").split(" ", 2)
            out[tid] = (name, int(ticks))
        return out
    b, a = load(before), load(after)
    per = Counter()
    for tid, (name, ticks) in a.items():
        per[re.sub(r"[-#]?\d+(-\d+)?$", "", name)] += ticks - b.get(tid, (name, 0))[1]
    total = sum(per.values()) or 1
    print(f"server CPU by thread (utime+stime from /proc/PID/task, {total / clk:.2f} s in all):")
    for name, ticks in per.most_common(12):
        if ticks:
            print(f"  {100 * ticks / total:5.1f}%  {ticks / clk:6.2f} s  {name}")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "ports":
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
        thread_cpu(argv[2], argv[3], int(argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
