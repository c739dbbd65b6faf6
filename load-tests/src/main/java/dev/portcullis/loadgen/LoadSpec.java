package dev.portcullis.loadgen;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One load run, validated: what to connect to, how to do TLS and HTTP, and how much load to offer.
 * Made by {@link LoadGenerator#parse(String...)} from command-line flags; run with {@link LoadRun#run}.
 *
 * @param target     the loopback address, authority and path from {@code --url}
 * @param tls        client certificate, trust and protocol settings
 * @param http2      {@code --http 2} (ALPN h2) instead of HTTP/1.1
 * @param streams    concurrent requests per keep-alive connection (always 1 on HTTP/1.1)
 * @param method     GET or POST
 * @param bodySize   request body bytes (zeros)
 * @param connections keep-alive connections, or concurrent new connections with {@code newConnectionPerRequest}
 * @param rate       open-loop requests per second, 0 for a closed loop
 * @param newConnectionPerRequest one full handshake per request
 * @param duration   how long to measure (after warmup); {@code requests} may end the run sooner
 * @param requests   stop after this many measured attempts, 0 for no count limit
 * @param warmup     load offered but not recorded before measuring starts
 * @param threads    event loops
 * @param timeout    connect, handshake and request timeout each
 * @param holdIdle   open this many connections, one request each, then hold them idle for {@code duration}; 0 = off
 * @param json       where to write the summary as JSON, if anywhere
 */
public record LoadSpec(Target target, TlsSettings tls, boolean http2, int streams, String method, int bodySize,
                       int connections, double rate, boolean newConnectionPerRequest, Duration duration,
                       long requests, Duration warmup, int threads, Duration timeout, int holdIdle,
                       Optional<Path> json) {

    /** Where requests go. {@code peerHost} is the SNI name and the name the server certificate must match. */
    public record Target(String url, InetSocketAddress address, String authority, String path, String peerHost) {
    }

    /**
     * @param tls13        TLSv1.3 only (else TLSv1.2 only)
     * @param resumption   keep the client session cache so new connections resume (only with new connections)
     */
    public record TlsSettings(Optional<Path> certificate, Optional<Path> key, Optional<Path> chain,
                              Optional<Path> caCertificates, boolean insecure, boolean tls13, boolean resumption) {
        String protocol() {
            return tls13 ? "TLSv1.3" : "TLSv1.2";
        }
    }

    /** What the run does; decided by the flags. */
    enum Mode {
        CLOSED_LOOP("closed-loop"), OPEN_LOOP("open-loop"), HOLD_IDLE("hold-idle");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    Mode mode() {
        if (holdIdle > 0) {
            return Mode.HOLD_IDLE;
        }
        return rate > 0 ? Mode.OPEN_LOOP : Mode.CLOSED_LOOP;
    }

    /** Requests one connection carries at once. */
    int slotsPerConnection() {
        return http2 && !newConnectionPerRequest ? streams : 1;
    }
}
