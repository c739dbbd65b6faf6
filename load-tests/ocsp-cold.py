#!/usr/bin/env python3
"""What a cold OCSP fetch costs, and whom (issue 13).

    load-tests/ocsp-cold.py [--delay-ms 300] [--clients 20]

Starts a real `openssl ocsp` responder behind a proxy that holds every answer DELAY ms (a distant
responder), and `bin/portcullis run` with one OCSP trust store. Then, with curl's time_appconnect
(time_total: TCP, the TLS handshake and one small request; with TLS 1.3 the client counts itself connected before the node has checked its certificate, so time_appconnect would hide the check):
  1. warm: handshakes of one certificate whose answer is cached;
  2. cold: the first handshake of CLIENTS certificates never seen, one after another;
  3. cold under load: CLIENTS first handshakes at once, while the cached certificate keeps
     connecting: its handshakes should not slow down (the cold ones wait on virtual threads).
Prints one line per measurement, p50 and max in ms. Needs openssl, curl and bin/portcullis.
"""
import argparse
import concurrent.futures
import http.server
import os
import shutil
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d, responder_url, clients):
    run("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=Cold OCSP CA",
        "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("[server]\nbasicConstraints=CA:false\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n"
                "[client]\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
                f"authorityInfoAccess=OCSP;URI:{responder_url}\n")
    index = []
    for i, name in enumerate(["server", "warm"] + [f"cold{n}" for n in range(clients * 2)]):
        run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        serial = 0x1000 + i
        run("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", str(serial), "-days", "10", "-out", f"{name}.pem", "-extfile", "ext.cnf",
            "-extensions", "server" if name == "server" else "client", cwd=d)
        index.append(f"V\t301231000000Z\t\t{serial:X}\tunknown\t/CN={name}\n")
    with open(os.path.join(d, "index.txt"), "w") as f:
        f.writelines(index)


class DelayingProxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def proxy_handler(target, delay):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(delay)  # the distant responder
            req = urllib.request.Request(target, data=body, headers={"Content-Type": "application/ocsp-request"})
            with urllib.request.urlopen(req, timeout=5) as r:
                answer = r.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass
    return Handler


def handshake_ms(d, port, name):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
                          "--cacert", "ca.pem", "--cert", f"{name}.pem", "--key", f"{name}.key",
                          "--resolve", f"localhost:{port}:127.0.0.1", f"https://localhost:{port}/"],
                         cwd=d, capture_output=True, text=True, timeout=30).stdout.split()
    if not out or out[0] != "200":
        raise SystemExit(f"{name}: answered {out}")
    return float(out[1]) * 1000


def report(label, values):
    print(f"{label:58s} p50 {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms   n={len(values)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay-ms", type=int, default=300)
    ap.add_argument("--clients", type=int, default=20)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ocsp-cold.")
    procs = []
    try:
        responder_port, proxy_port, edge_port, origin_port = free_port(), free_port(), free_port(), free_port()
        make_pki(d, f"http://127.0.0.1:{proxy_port}/", args.clients)
        log = open(os.path.join(d, "responder.log"), "w")
        procs.append(subprocess.Popen(["openssl", "ocsp", "-index", "index.txt", "-port", str(responder_port),
                                       "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-nmin", "10"],
                                      cwd=d, stdout=log, stderr=subprocess.STDOUT))
        proxy = DelayingProxy(("127.0.0.1", proxy_port), proxy_handler(f"http://127.0.0.1:{responder_port}/",
                                                                      args.delay_ms / 1000))
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        with open(os.path.join(d, "edge.yaml"), "w") as f:
            f.write(f"""server: {{listen: "127.0.0.1:{edge_port}", dataDir: data}}
distributions:
  - id: ECOLD
    domainNames: [localhost]
    viewerCertificate: {{certificate: server.pem, privateKey: server.key}}
    viewerMtlsConfig: {{mode: required, trustStoreConfig: {{trustStoreId: ts}}}}
    origins: [{{id: o, url: "http://127.0.0.1:{origin_port}"}}]
    defaultCacheBehavior: {{targetOriginId: o}}
trustStores:
  - id: ts
    caCertificatesBundle: ca.pem
    useClientCertificateOcspEndpoint: true
    ocsp: {{timeout: 2s}}
""")
        procs.append(subprocess.Popen([os.path.join(ROOT, "bin/portcullis"), "echo-origin", "--listen",
                                       f"127.0.0.1:{origin_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([os.path.join(ROOT, "bin/portcullis"), "run", "--config", "edge.yaml"], cwd=d,
                                      stdout=open(os.path.join(d, "edge.log"), "w"), stderr=subprocess.STDOUT))
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", edge_port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # the JIT: 200 warm handshakes before measuring anything
        for _ in range(200):
            handshake_ms(d, edge_port, "warm")
        report("1. warm: cached answer", [handshake_ms(d, edge_port, "warm") for _ in range(50)])
        report(f"2. cold: first handshake, responder {args.delay_ms} ms away",
               [handshake_ms(d, edge_port, f"cold{n}") for n in range(args.clients)])
        stop = threading.Event()
        during = []

        def keep_warm():
            while not stop.is_set():
                during.append(handshake_ms(d, edge_port, "warm"))
        warm_thread = threading.Thread(target=keep_warm)
        warm_thread.start()
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            cold = list(pool.map(lambda n: handshake_ms(d, edge_port, f"cold{n}"),
                                 range(args.clients, 2 * args.clients)))
        stop.set()
        warm_thread.join()
        report(f"3. cold under load: {args.clients} first handshakes at once", cold)
        report("3. ... meanwhile, the cached certificate", during)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
