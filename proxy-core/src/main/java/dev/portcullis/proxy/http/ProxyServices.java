package dev.portcullis.proxy.http;

import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.tls.EdgeDistributions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every viewer connection's HTTP handlers share: the distributions, the observer, timeouts and
 * the count of exchanges in flight (shutdown waits for it to reach zero) and whether shutdown has
 * begun (HTTP/1.1 responses then carry Connection: close so viewers move away).
 */
public record ProxyServices(EdgeDistributions distributions, ConnectionObserver observer,
                            Duration idleTimeout, AtomicInteger inFlight, AtomicBoolean draining) {
}
