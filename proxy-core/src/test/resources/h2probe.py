"""HTTP/2 requests no browser sends, over real mTLS (Debian's python3-h2), for the e2e tests.

usage: h2probe.py CASE PORT CLIENT_CHAIN CLIENT_KEY CA
Prints 'status N', the response body, and 'goaway CODE' / 'reset CODE' when the node sends one.
"""
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events


def connect(port, chain, key, ca):
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(chain, key)
    context.set_alpn_protocols(["h2"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    tls = context.wrap_socket(raw, server_hostname="localhost")
    assert tls.selected_alpn_protocol() == "h2", tls.selected_alpn_protocol()
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                                                      normalize_outbound_headers=False))
    conn.initiate_connection()
    tls.sendall(conn.data_to_send())
    return tls, conn


def read_until_done(tls, conn, stream_id):
    body = b""
    while True:
        try:
            data = tls.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
        if not data:
            print("closed")
            break
        try:
            events = conn.receive_data(data)
        except h2.exceptions.ProtocolError as e:
            print("protocol error", e)
            break
        done = False
        for event in events:
            if isinstance(event, h2.events.ResponseReceived):
                print("status", dict(event.headers)[b":status"].decode())
            elif isinstance(event, h2.events.DataReceived):
                body += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream_id:
                done = True
            elif isinstance(event, h2.events.StreamReset):
                print("reset", int(event.error_code))
                done = True
            elif isinstance(event, h2.events.ConnectionTerminated):
                print("goaway", int(event.error_code))
                done = True
        try:
            tls.sendall(conn.data_to_send())
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            done = True  # the node closed after what it sent; that is read above
        if done:
            break
    sys.stdout.write(body.decode("utf-8", "replace"))


def trailers(tls, conn):
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":path", "/trailers"), (":authority", "localhost"),
                            (":scheme", "https")])
    conn.send_data(sid, b"hello")
    conn.send_headers(sid, [("cloudfront-viewer-cert-present", "1"), ("client-cert", ":AAAA:"),
                            ("x-forwarded-for", "198.51.100.1"), ("client_cert", ":BBBB:"),
                            ("x-checksum", "abc")], end_stream=True)
    tls.sendall(conn.data_to_send())
    read_until_done(tls, conn, sid)


def window_overflow(tls, conn):
    """A WINDOW_UPDATE that takes the connection window past 2^31-1: FLOW_CONTROL_ERROR (3)."""
    conn.increment_flow_control_window(1)  # keeps h2's own state consistent; the raw frame below overflows
    tls.sendall(conn.data_to_send())
    frame = (4).to_bytes(3, "big") + bytes([0x8, 0]) + (0).to_bytes(4, "big") + (0x7fffffff).to_bytes(4, "big")
    tls.sendall(frame)
    read_until_done(tls, conn, -1)


def huge_headers(tls, conn):
    """A header list far past the node's 32 KB SETTINGS_MAX_HEADER_LIST_SIZE."""
    sid = conn.get_next_available_stream_id()
    headers = [(":method", "GET"), (":path", "/huge"), (":authority", "localhost"), (":scheme", "https")]
    headers += [("x-filler-%d" % i, "v" * 4000) for i in range(40)]
    conn.send_headers(sid, headers, end_stream=True)
    tls.sendall(conn.data_to_send())
    read_until_done(tls, conn, sid)


def authority_mismatch(tls, conn):
    """:authority for one name, a host header for another (RFC 9113 8.3.1: malformed)."""
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "GET"), (":path", "/mismatch"), (":authority", "localhost"),
                            (":scheme", "https"), ("host", "other.test")], end_stream=True)
    tls.sendall(conn.data_to_send())
    read_until_done(tls, conn, sid)


def ping_keep(tls, conn):
    """No stream, only a PING every 0.3 s: the idle timeout must still close the connection."""
    import time
    deadline = time.monotonic() + 15
    tls.settimeout(0.3)
    while time.monotonic() < deadline:
        conn.ping(b"12345678")
        try:
            # the node may close between two PINGs: a write then fails, which is the close we wait for
            tls.sendall(conn.data_to_send())
            data = tls.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            data = b""
        if not data:
            print("closed")
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ConnectionTerminated):
                print("goaway", int(event.error_code))
                return
    print("still open")


def hold(tls, conn):
    """One request, then the connection is held open (no stream) until the node ends it (a re-check)."""
    import time
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "GET"), (":path", "/held"), (":authority", "localhost"),
                            (":scheme", "https")], end_stream=True)
    tls.sendall(conn.data_to_send())
    read_until_done(tls, conn, sid)
    print("\nheld", flush=True)
    tls.settimeout(30)
    while True:
        try:
            data = tls.recv(65536)
        except (ConnectionResetError, ssl.SSLError, socket.timeout):
            data = b""
        if not data:
            print("closed", flush=True)
            return
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ConnectionTerminated):
                print("goaway", int(event.error_code), flush=True)
        try:
            tls.sendall(conn.data_to_send())
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            pass


def bad_scheme(tls, conn):
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "GET"), (":path", "/scheme"), (":authority", "localhost"),
                            (":scheme", "gopher")], end_stream=True)
    tls.sendall(conn.data_to_send())
    read_until_done(tls, conn, sid)


def cl_mismatch(tls, conn):
    """content-length: 10 and 5 bytes of DATA with END_STREAM (RFC 9113 8.1.1: malformed)."""
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":path", "/cl"), (":authority", "localhost"),
                            (":scheme", "https"), ("content-length", "10")])
    conn.send_data(sid, b"hello", end_stream=True)
    tls.sendall(conn.data_to_send())
    read_until_done(tls, conn, sid)


def main():
    case, port, chain, key, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    sys.stdout.reconfigure(line_buffering=True)
    tls, conn = connect(port, chain, key, ca)
    {"trailers": trailers, "window-overflow": window_overflow, "huge-headers": huge_headers,
     "authority-mismatch": authority_mismatch, "ping-keep": ping_keep,
     "bad-scheme": bad_scheme, "hold": hold, "cl-mismatch": cl_mismatch}[case](tls, conn)


if __name__ == "__main__":
    main()
