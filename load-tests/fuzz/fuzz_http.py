"""Mutated HTTP/1.1 requests and HTTP/2 frame sequences through a real mTLS connection to the node.
A case the node keeps waiting on (a body shorter than its Content-Length, a head cut short) is
left after 1.5 s: waiting for the rest is right, and the node's own timeouts end it later.

HTTP/1.1 also checks a property on every 200 from the demo's echo origin: the certificate headers
the origin saw are the node's own (the client's real values), never one a request smuggled in, in
a header, a trailer or an underscore spelling."""
import asyncio
import random
import sys

import h2.config
import h2.connection

from common import arguments, client_context, mutate, run_cases

FORGED = ["CloudFront-Viewer-Cert-Subject", "cloudfront-viewer-cert-present", "CLOUDFRONT-VIEWER-CERT-SHA256",
          "Client-Cert", "client-cert-chain", "CloudFront_Viewer_Cert_Subject", "Client_Cert", "X-Forwarded-For",
          "x_forwarded_for", "CloudFront-Viewer-Cert-Issuer ", " CloudFront-Viewer-Cert-Pem"]


def forged_header(rnd):
    return f"{rnd.choice(FORGED)}: FORGED-{rnd.randrange(1000)}\r\n"


def http1_request(rnd):
    path = "/fuzz/" + str(rnd.randrange(10**6))
    head = [f"{rnd.choice(['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE'])} {path} HTTP/1.1\r\n", "Host: localhost\r\n"]
    for _ in range(rnd.randint(0, 3)):
        head.insert(rnd.randint(1, len(head)), forged_header(rnd))
    kind = rnd.randrange(4)
    if kind == 0:
        body = ""
    elif kind == 1:
        content = "x" * rnd.randint(0, 300)
        head.append(f"Content-Length: {len(content)}\r\n")
        body = content
    elif kind == 2:
        head.append("Transfer-Encoding: chunked\r\n")
        trailers = "".join(forged_header(rnd) for _ in range(rnd.randint(0, 3)))
        body = "5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\n" + trailers + "\r\n"
    else:
        body = ""
        head.append("Connection: keep-alive\r\n")
    head.append("Connection: close\r\n")
    request = "".join(head) + "\r\n" + body
    if rnd.random() < 0.3:  # a second, pipelined request
        request += f"GET {path}/2 HTTP/1.1\r\nHost: localhost\r\n" + forged_header(rnd) + "Connection: close\r\n\r\n"
    data = request.encode("latin-1")
    return data if rnd.random() < 0.25 else mutate(data, rnd)


async def tls_exchange(port, ctx, payload, timeout=1.5):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost"), timeout)
    except (OSError, asyncio.TimeoutError):
        return b"", "connect-failed"
    got, outcome = b"", "closed"
    try:
        writer.write(payload)
        await writer.drain()
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                break
            got += chunk
    except asyncio.TimeoutError:
        outcome = "timeout"
    except (ConnectionResetError, BrokenPipeError, OSError):
        outcome = "reset"
    finally:
        writer.close()
    return got, outcome


def protected(name):
    """The names only the node may send, as an origin reads them ('_' as '-', any case)."""
    key = name.strip().lower().replace("_", "-")
    return key.startswith("cloudfront-viewer-cert-") or key in ("client-cert", "client-cert-chain")


def violations(response, real):
    """Certificate headers the origin echoed that are not the node's own values, and any in trailers."""
    bad = []
    for line in response.decode("latin-1").split("\n"):
        name, sep, value = line.partition(": ")
        if not sep:
            continue
        if name.startswith("trailer "):
            if protected(name[8:]):
                bad.append(line)
        elif protected(name) and real.get(name.strip().lower()) != value.strip():
            bad.append(line)
    return bad


def main():
    args = arguments(__doc__)
    ctx1 = client_context(args.dir, alpn=("http/1.1",))
    ctx2 = client_context(args.dir, alpn=("h2",))
    real = {}
    problems = []

    async def baseline():
        # Up to three tries, as the liveness check: a cold node's 5 ms function may run over and refuse.
        for attempt in range(3):
            got, _ = await tls_exchange(args.port, ctx1, b"GET /baseline HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                        timeout=10)
            for line in got.decode("latin-1").split("\n"):
                name, sep, value = line.partition(": ")
                if sep and name.lower().startswith("cloudfront-viewer-cert"):
                    real[name.strip().lower()] = value.strip()
            if real:
                return
            await asyncio.sleep(0.5)
    asyncio.run(baseline())
    if "cloudfront-viewer-cert-subject" not in real:
        print("http: the baseline request did not reach the echo origin; is the demo running?")
        sys.exit(1)

    async def http1(n, rnd):
        got, outcome = await tls_exchange(args.port, ctx1, http1_request(rnd))
        if b" 200 " in got[:20]:
            bad = violations(got, real)
            if bad:
                problems.append(f"case {n} (seed {args.seed}): origin saw {bad}")
        status = got[9:12].decode("latin-1", "replace") if got.startswith(b"HTTP/1.1 ") else "none"
        return f"h1-{status}-{outcome}"

    def h2_frames(rnd):
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
            client_side=True, validate_outbound_headers=False, normalize_outbound_headers=False))
        conn.initiate_connection()
        for _ in range(rnd.randint(1, 4)):
            sid = conn.get_next_available_stream_id()
            headers = [(":method", rnd.choice(["GET", "POST"])), (":path", "/h2fuzz/" + str(rnd.randrange(10**6))),
                       (":authority", rnd.choice(["localhost", "localhost:443", "other.test"])), (":scheme", "https")]
            headers += [(h.strip().lower(), "FORGED") for h in rnd.sample(FORGED, rnd.randint(0, 2))]
            body = rnd.random() < 0.5
            conn.send_headers(sid, headers, end_stream=not body)
            if body:
                conn.send_data(sid, rnd.randbytes(rnd.randint(0, 200)), end_stream=rnd.random() < 0.5)
                if conn.state_machine and rnd.random() < 0.5:
                    try:
                        conn.send_headers(sid, [("x-trailer", "t"), ("client-cert", "FORGED")], end_stream=True)
                    except Exception:
                        pass
        data = conn.data_to_send()
        preface = len(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        frames = data if rnd.random() < 0.2 else data[:preface] + mutate(data[preface:], rnd)
        # A GOAWAY of our own last: the node closes once its streams are done instead of idling.
        conn.close_connection()
        return frames + conn.data_to_send()

    async def http2(n, rnd):
        got, outcome = await tls_exchange(args.port, ctx2, h2_frames(rnd))
        return f"h2-{outcome}"

    async def case(n, rnd):
        return await (http1(n, rnd) if n % 2 == 0 else http2(n, rnd))

    _, failures = asyncio.run(run_cases(args, case, "http"))
    for p in problems[:20]:
        print("http: FAIL", p)
    sys.exit(1 if failures or problems else 0)


if __name__ == "__main__":
    main()
