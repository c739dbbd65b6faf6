"""Mutates real TLS handshakes against the running node: ClientHellos (TLS 1.2 and 1.3, with and
without SNI and ALPN), their record framing, and the client's second flight in TLS 1.2, where the
Certificate, ClientKeyExchange and CertificateVerify messages are still plaintext, so the mutated
certificate chain reaches BoringSSL's parser and the node's trust manager."""
import asyncio
import ssl
import sys

from common import arguments, client_context, exchange, mutate, run_cases


def client_hello(ctx, sni):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def reframe(data, rnd):
    """Splits the handshake bytes of the first record into several records of random sizes."""
    if len(data) < 6 or data[0] != 0x16:
        return data
    body = data[5:]
    out = b""
    while body:
        n = rnd.randint(0, min(len(body), 300))
        out += bytes([0x16]) + data[1:3] + n.to_bytes(2, "big") + body[:n]
        body = body[n:]
    return out


async def second_flight(port, d, rnd):
    """A real TLS 1.2 handshake up to the client's second flight, which is mutated before it is sent."""
    ctx = client_context(d, tls12=True)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    except (OSError, asyncio.TimeoutError):
        return "connect-failed"
    try:
        writer.write(outgoing.read())
        await writer.drain()
        flight = b""
        for _ in range(20):
            chunk = await asyncio.wait_for(reader.read(65536), 5)
            if not chunk:
                return "closed-early"
            incoming.write(chunk)
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                return "client-refused"
            flight = outgoing.read()
            if flight:
                break
        if not flight:
            return "no-flight"
        writer.write(mutate(flight, rnd))
        await writer.drain()
        writer.write_eof()
        while await asyncio.wait_for(reader.read(65536), 5):
            pass
        return "closed"
    except asyncio.TimeoutError:
        return "timeout"
    except (ConnectionResetError, BrokenPipeError, OSError):
        return "reset"
    finally:
        writer.close()


def main():
    args = arguments(__doc__)
    hellos = []
    for tls12 in (False, True):
        for alpn in (("h2", "http/1.1"), ("http/1.1",), ()):
            for sni in ("localhost", None):
                hellos.append(client_hello(client_context(args.dir, alpn=alpn, tls12=tls12), sni))

    async def case(n, rnd):
        kind = n % 4
        if kind == 3:
            return "flight2-" + await second_flight(args.port, args.dir, rnd)
        hello = rnd.choice(hellos)
        payload = mutate(hello, rnd) if kind < 2 else reframe(mutate(hello, rnd) if rnd.random() < 0.5 else hello, rnd)
        _, outcome = await exchange(args.port, payload)
        return "hello-" + outcome

    _, failures = asyncio.run(run_cases(args, case, "tls"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
