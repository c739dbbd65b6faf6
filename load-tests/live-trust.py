#!/usr/bin/python3
"""Live trust, measured on a real node (issue 12): what a KeyValueStore write costs and how fast it acts.

usage: load-tests/live-trust.py [--keys 1000000] [--connections 10000] [--puts 200]

1. a store of --keys random serials (CloudFront's import format) and the blog's revocation function;
   the node's first start seeds the SQLite database from the file, the second loads it from there;
2. --puts PutKeys one after another on that store (a new key each, through one keep-alive connection):
   latency of the 200, which comes after the SQLite commit and the snapshot swap;
3. latency to effect: PutKey of a client's serial, then that client's next handshake, refused;
4. the re-check: --connections established HTTP/1.1 connections of a valid client, then one PutKey of
   an unrelated key to the store their function reads (the demo's PKI; its revoked-client.pem is
   not in this store until step 3 puts it there); the node's own log line says how many it
   re-checked and how long the walk took. Every connection must still answer afterwards.
Prints one line per figure. Needs bin/portcullis (it builds the node on first use) and Debian's python3.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import random
import re
import resource
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTCULLIS = os.path.join(ROOT, "bin", "portcullis")


def free_port():
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("no free port")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def serial_key(pem):
    """The blog function's key for a certificate: DER serial bytes in hex, no colons."""
    hexed = run("openssl", "x509", "-in", pem, "-noout", "-serial").strip().split("=")[1].lower()
    if len(hexed) % 2:
        hexed = "0" + hexed
    if int(hexed[0], 16) >= 8:
        hexed = "00" + hexed
    return hexed


def start_node(config, log):
    # The node and the connections it holds need descriptors: raise the soft limit for it.
    return subprocess.Popen(["bash", "-c", "ulimit -n 65536; exec \"$0\" run --config \"$1\"", PORTCULLIS, config],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)


def await_healthy(admin, node, log):
    started = time.monotonic()
    while time.monotonic() - started < 600:
        try:
            c = http.client.HTTPConnection("127.0.0.1", admin, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        if node.poll() is not None:
            raise SystemExit("the node exited:\n" + open(log).read()[-3000:])
        time.sleep(0.05)
    raise SystemExit("the node never became healthy")


def etag(api, store):
    api.request("GET", "/key-value-stores/" + store)
    r = api.getresponse()
    r.read()
    return r.getheader("ETag")


def put(api, store, key, value, tag):
    api.request("PUT", "/key-value-stores/%s/keys/%s" % (store, key), body=json.dumps({"Value": value}),
                headers={"If-Match": tag, "Content-Type": "application/json"})
    r = api.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit("PutKey %s: %d %s" % (key, r.status, body))
    return r.getheader("ETag")


def tls_context(pki, client):
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    context.load_cert_chain(os.path.join(pki, client + ".pem"), os.path.join(pki, client + ".key"))
    context.set_alpn_protocols(["http/1.1"])
    return context


def handshake(context, port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    tls = context.wrap_socket(raw, server_hostname="localhost")
    return tls


def request(tls, path):
    tls.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        body += tls.recv(65536)
    return int(head.split(b" ")[1])


def refused(context, port):
    """True when the node refuses the handshake (TLS 1.3: on the first read)."""
    try:
        tls = handshake(context, port)
        status = request(tls, "/probe")
        tls.close()
        return status is None
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True


def percentiles(values):
    values = sorted(values)
    pick = lambda p: values[min(len(values) - 1, int(p * len(values)))]
    return "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms" % (pick(0.5), pick(0.9), pick(0.99), values[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--puts", type=int, default=200)
    parser.add_argument("--walks", type=int, default=3, help="re-checks in a row (the first one warms the checker threads)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections + 1024), hard))

    work = tempfile.mkdtemp(prefix="portcullis-live-trust.")
    pki = os.path.join(work, "pki")
    # The demo's PKI (a server certificate for localhost, client.pem, revoked-client.pem): the demo
    # writes it and is stopped as soon as it is up.
    demo_log = os.path.join(work, "demo.log")
    demo = subprocess.Popen([PORTCULLIS, "demo", "--dir", pki, "--port", str(free_port())],
                            stdout=open(demo_log, "w"), stderr=subprocess.STDOUT)
    while "Press Ctrl-C" not in open(demo_log).read():
        if demo.poll() is not None:
            raise SystemExit("the demo exited:\n" + open(demo_log).read())
        time.sleep(0.1)
    demo.terminate()
    demo.wait()
    with open(os.path.join(ROOT, "proxy-core/src/main/resources/dev/portcullis/proxy/demo/revocation.js")) as f:
        open(os.path.join(work, "revocation.js"), "w").write(f.read())
    rng = random.Random(20261202)
    with open(os.path.join(work, "revoked.json"), "w") as f:
        f.write('{"data":[')
        f.write(",".join('{"key":"%032x","value":"revoked 2026-01-02"}' % rng.getrandbits(127) for _ in range(args.keys)))
        f.write("]}")
    port, admin, origin_port = free_port(), free_port(), free_port()
    config = os.path.join(work, "edge.yaml")
    open(config, "w").write("""
server:
  listen: 127.0.0.1:%d
  admin: 127.0.0.1:%d
  maxConnections: %d
  maxConnectionsPerClientIp: %d
  idleTimeout: 10m
distributions:
  - id: ELIVE
    domainNames: [localhost]
    viewerCertificate: {certificate: pki/server.pem, privateKey: pki/server.key}
    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts}}
    origins: [{id: echo, url: "h2c://127.0.0.1:%d"}]
    defaultCacheBehavior: {targetOriginId: echo}
    connectionFunctionAssociation: {id: revocation-check}
trustStores: [{id: ts, caCertificatesBundle: pki/Trust_store_bundle.pem}]
keyValueStores: [{name: revoked-serials, importSource: revoked.json}]
connectionFunctions:
  - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 50ms}
""" % (port, admin, args.connections + 1000, args.connections + 1000, origin_port))
    origin = subprocess.Popen([PORTCULLIS, "echo-origin", "--listen", "127.0.0.1:%d" % origin_port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = os.path.join(work, "node.log")
    node = start_node(config, log)
    held = []
    try:
        first = await_healthy(admin, node, log)
        print("first start, seeding %d keys into SQLite: healthy after %.1f s" % (args.keys, first))
        node.terminate()
        node.wait()
        node = start_node(config, log + ".2")
        log = log + ".2"
        again = await_healthy(admin, node, log)
        print("restart, %d keys loaded from SQLite: healthy after %.1f s (database %.0f MB)"
              % (args.keys, again, os.path.getsize(os.path.join(work, "data", "kvs.sqlite")) / 1e6))

        device, victim = tls_context(pki, "client"), tls_context(pki, "revoked-client")
        for _ in range(20):  # warm the function and the handshake path
            refused(device, port)
        api = http.client.HTTPConnection("127.0.0.1", admin, timeout=30)
        tag = etag(api, "revoked-serials")
        latencies = []
        for i in range(args.puts):
            t0 = time.perf_counter()
            tag = put(api, "revoked-serials", "%032x" % rng.getrandbits(127), "revoked live", tag)
            latencies.append((time.perf_counter() - t0) * 1000)
        print("PutKey on the %d-key store, %d in a row: %s" % (args.keys, args.puts, percentiles(latencies)))

        victim_key = serial_key(os.path.join(pki, "revoked-client.pem"))
        to_200, to_refused, misses = [], [], 0
        for i in range(20):
            assert not refused(victim, port), "the victim must get in before it is revoked"
            t0 = time.perf_counter()
            tag = put(api, "revoked-serials", victim_key, "revoked live", tag)
            t_put = time.perf_counter()
            misses += 0 if refused(victim, port) else 1
            t_refused = time.perf_counter()
            to_200.append((t_put - t0) * 1000)
            to_refused.append((t_refused - t0) * 1000)
            api.request("DELETE", "/key-value-stores/revoked-serials/keys/" + victim_key, headers={"If-Match": tag})
            r = api.getresponse()
            r.read()
            tag = r.getheader("ETag")
        print("latency to effect, 20 revocations: the PutKey's 200 %s; the revoked client's next handshake refused"
              " (from sending the PutKey to the refusal) %s; %d let in" % (percentiles(to_200), percentiles(to_refused), misses))

        t0 = time.perf_counter()

        def open_one(i):
            tls = handshake(device, port)
            if request(tls, "/hold") != 200:
                raise SystemExit("connection %d was not served" % i)
            return tls

        # 16 at a time (the node's maxHandshakesPerClientIp is 256): python's handshakes are the slow side.
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            held.extend(pool.map(open_one, range(args.connections)))
        print("%d established connections of a valid client opened in %.1f s" % (len(held), time.perf_counter() - t0))
        # A new admin connection: the node closes admin connections idle for 30 s.
        api = http.client.HTTPConnection("127.0.0.1", admin, timeout=30)
        tag = etag(api, "revoked-serials")
        for walk in range(args.walks):
            line, during, tag = one_walk(api, tag, log, held, rng)
            print("re-check %d after one PutKey: %s connections in %s ms (%.1f ms per 10,000)"
                  % (walk + 1, line[0], line[1], int(line[1]) * 10000 / max(1, int(line[0]))))
            if during:
                print("  requests on held connections during the walk: %d, %s" % (len(during), percentiles(during)))
        sample = held[:: max(1, len(held) // 200)]
        alive = sum(1 for tls in sample if request(tls, "/after") == 200)
        print("afterwards %d of %d sampled connections still answer 200" % (alive, len(sample)))

        # The revocation of a client with 5 open connections among the others: how soon they are closed.
        victims = [handshake(victim, port) for _ in range(5)]
        for v in victims:
            assert request(v, "/victim") == 200
        t0 = time.perf_counter()
        tag = put(api, "revoked-serials", victim_key, "revoked live", tag)
        closed = []
        for v in victims:
            v.settimeout(30)
            try:
                while v.recv(65536):
                    pass
            except (ssl.SSLError, OSError):
                pass
            closed.append((time.perf_counter() - t0) * 1000)
        print("a revoked client's 5 established connections, among %d others: all closed %.0f ms after the PutKey"
              " was sent (the first after %.0f ms)" % (len(held), max(closed), min(closed)))
    finally:
        for tls in held:
            tls.close()
        node.terminate()
        origin.terminate()
        node.wait()
        origin.wait()


def one_walk(api, tag, log, held, rng):
    """One PutKey of an unrelated key; waits for the node's re-check line; probes held connections meanwhile."""
    if True:
        before = len(re.findall(r"re-checked", open(log).read()))
        tag = put(api, "revoked-serials", "%032x" % rng.getrandbits(127), "unrelated", tag)
        # While the walk runs, requests on held connections measure whether the event loops stall.
        during = []
        deadline = time.monotonic() + 120
        line = None
        probe = 0
        while time.monotonic() < deadline:
            lines = re.findall(r"re-checked (\d+) connection\(s\) in (\d+) ms[^\n]*", open(log).read())
            if len(lines) > before:
                line = lines[-1]
                break
            t = time.perf_counter()
            request(held[probe % len(held)], "/during")
            during.append((time.perf_counter() - t) * 1000)
            probe += 7919
        if line is None:
            raise SystemExit("no re-check line in the node's log")
        return line, during, tag


if __name__ == "__main__":
    main()
