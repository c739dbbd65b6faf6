package dev.portcullis.proxy.http;

import dev.portcullis.config.ViewerLimits;
import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.SummarizedLog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * What every viewer connection's HTTP handlers share (the distributions are the connection's own
 * generation's, on its ConnectionState): the observer, timeouts and
 * the count of exchanges in flight (shutdown waits for it to reach zero) and whether shutdown has
 * begun (HTTP/1.1 responses then carry Connection: close so viewers move away); the per-request
 * limits; the one summarised log of origins that send what cannot be decoded, and that of viewer
 * function faults (one line each, a flood summarised per function).
 */
public record ProxyServices(ConnectionObserver observer, Duration idleTimeout, ViewerLimits limits,
                            AtomicInteger inFlight, AtomicBoolean draining, SummarizedLog brokenOrigins,
                            SummarizedLog functionFaults) {

    public ProxyServices(ConnectionObserver observer, Duration idleTimeout, ViewerLimits limits) {
        this(observer, idleTimeout, limits, new AtomicInteger(), new AtomicBoolean(),
                new SummarizedLog(LoggerFactory.getLogger("portcullis.origin"), true, 5, 10, TimeUnit.SECONDS),
                new SummarizedLog(LoggerFactory.getLogger("portcullis.functions"), true, 10, 10, TimeUnit.SECONDS));
    }
}
