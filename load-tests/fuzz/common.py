"""Shared by the fuzzers: the target, seeded byte mutations, a liveness check through real mTLS."""
import argparse
import asyncio
import random
import socket
import ssl
import time


def arguments(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--port", type=int, required=True, help="the node's TLS port on 127.0.0.1")
    p.add_argument("--dir", required=True, help="folder with ca.pem, client.pem, client.key (as bin/portcullis demo writes)")
    p.add_argument("--cases", type=int, default=100000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=48, help="below the node's maxHandshakesPerClientIp")
    p.add_argument("--max-seconds", type=float, default=1800, help="stop after this long whatever --cases says")
    return p.parse_args()


def client_context(d, alpn=("http/1.1",), tls12=False):
    ctx = ssl.create_default_context(cafile=f"{d}/ca.pem")
    ctx.load_cert_chain(f"{d}/client.pem", f"{d}/client.key")
    ctx.set_alpn_protocols(list(alpn))
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def alive(port, d):
    """A real mTLS request answered 200 through the origin, in up to three tries: the demo's
    connection function has 5 ms of CPU, which a cold node on a loaded machine can exceed (the
    handshake is then refused, as it must be), so one refusal does not mean the node stopped."""
    for attempt in range(3):
        if _alive_once(port, d):
            return True
        time.sleep(0.5)
    return False


def _alive_once(port, d):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client_context(d).wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"GET /alive HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                return data.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


BOUNDARY = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]


def mutate(data, rnd):
    """One to four byte-level mutations: bit flips, boundary bytes, length fields, cuts, repeats."""
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        if not b:
            b = bytearray(rnd.randbytes(rnd.randint(1, 64)))
            continue
        i = rnd.randrange(len(b))
        op = rnd.randrange(8)
        if op == 0:
            b[i] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[i] = rnd.choice(BOUNDARY)
        elif op == 2 and i + 1 < len(b):  # a 16-bit length field, as TLS and HTTP/2 have many
            v = rnd.choice([0, 1, 0x7FFF, 0xFFFF, len(b), len(b) - i, rnd.randrange(65536)])
            b[i:i + 2] = v.to_bytes(2, "big")
        elif op == 3:
            del b[i:]
        elif op == 4:
            b[i:i] = rnd.randbytes(rnd.randint(1, 32))
        elif op == 5:
            j = min(len(b), i + rnd.randint(1, 64))
            b[i:i] = b[i:j] * rnd.randint(1, 20)
        elif op == 6:
            j = min(len(b), i + rnd.randint(1, 16))
            del b[i:j]
        else:
            b[i] = rnd.randrange(256)
    return bytes(b)


async def exchange(port, payload, timeout=5.0, half_close=True):
    """Sends raw bytes, then reads until the node closes. Returns (bytes read, 'closed'|'timeout'|'reset')."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (OSError, asyncio.TimeoutError):
        return b"", "connect-failed"
    got = b""
    outcome = "closed"
    try:
        writer.write(payload)
        await writer.drain()
        if half_close:
            writer.write_eof()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                outcome = "timeout"
                break
            chunk = await asyncio.wait_for(reader.read(65536), left)
            if not chunk:
                break
            got += chunk
    except asyncio.TimeoutError:
        outcome = "timeout"
    except (ConnectionResetError, BrokenPipeError, OSError):
        outcome = "reset"
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    return got, outcome


async def run_cases(args, make_case, label):
    """Runs args.cases cases with bounded concurrency; every 2,000 checks the node still serves."""
    rnd = random.Random(args.seed)
    outcomes = {}
    started = time.monotonic()
    sem = asyncio.Semaphore(args.concurrency)
    failures = []

    async def one(n, case_rnd):
        async with sem:
            outcome = await make_case(n, case_rnd)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    done = 0
    batch = 2000
    while done < args.cases and time.monotonic() - started < args.max_seconds:
        size = min(batch, args.cases - done)
        await asyncio.gather(*(one(done + k, random.Random(rnd.getrandbits(64))) for k in range(size)))
        done += size
        if not await asyncio.get_running_loop().run_in_executor(None, alive, args.port, args.dir):
            failures.append(f"node stopped serving after case {done}")
            break
    seconds = time.monotonic() - started
    print(f"{label}: {done} cases in {seconds:.1f} s ({done / seconds:.0f}/s), seed {args.seed}, outcomes {dict(sorted(outcomes.items()))}")
    for f in failures:
        print(f"{label}: FAIL {f}")
    return done, failures
