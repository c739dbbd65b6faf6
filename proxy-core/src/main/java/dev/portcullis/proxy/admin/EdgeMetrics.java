package dev.portcullis.proxy.admin;

import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.http.ExchangeRecord;
import dev.portcullis.proxy.tls.ConnectionState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Handshakes by distribution and outcome (Success or the failure code), handshake duration, active
 * connections, requests by status class, origin latency; exposed as Prometheus text on the admin port.
 * Meters are resolved once per tag combination and kept here, so a handshake or a request costs a
 * map lookup and an increment, not a meter-id allocation.
 */
public final class EdgeMetrics implements ConnectionObserver {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger active = new AtomicInteger();
    private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
    private final Map<String, Timer> handshakeDurations = new ConcurrentHashMap<>();
    private final Map<String, Timer> functionDurations = new ConcurrentHashMap<>();
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> originLatency = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> responseBytes = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();

    public EdgeMetrics() {
        registry.gauge("portcullis.connections.active", active);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void connectionOpened(ConnectionState state) {
        active.incrementAndGet();
    }

    @Override
    public void connectionClosed(ConnectionState state) {
        active.decrementAndGet();
    }

    @Override
    public void handshakeEnded(ConnectionState state) {
        String distribution = state.distribution() == null ? "-" : state.distribution().id();
        String status = state.failure() == null ? "Success" : state.failure().name();
        handshakes.computeIfAbsent(distribution + '\0' + status, k -> Counter.builder("portcullis.handshakes")
                .description("TLS handshakes by distribution and outcome (Success or CloudFront failure code)")
                .tag("distribution", distribution).tag("status", status)
                .register(registry)).increment();
        handshakeDurations.computeIfAbsent(distribution, k -> Timer.builder("portcullis.handshake.duration")
                .tag("distribution", distribution)
                .publishPercentileHistogram()
                .register(registry)).record((long) (state.handshakeMillis() * 1_000_000), TimeUnit.NANOSECONDS);
        if (state.functionName() != null) {
            String function = state.functionName();
            String outcome = state.functionOutcome();
            functionDurations.computeIfAbsent(distribution + '\0' + function + '\0' + outcome,
                    k -> Timer.builder("portcullis.connection.function.duration")
                            .description("run time of connection functions, by function and decision (allow, deny, error)")
                            .tag("distribution", distribution).tag("function", function).tag("outcome", outcome)
                            .publishPercentileHistogram()
                            .register(registry)).record(state.functionNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void exchangeEnded(ExchangeRecord exchange) {
        String distribution = exchange.connection().distribution().id();
        String statusClass = exchange.status() == 0 ? "aborted" : (exchange.status() / 100) + "xx";
        requests.computeIfAbsent(distribution + '\0' + statusClass, k -> Counter.builder("portcullis.requests")
                .tag("distribution", distribution).tag("status_class", statusClass)
                .register(registry)).increment();
        if (exchange.originNanos() >= 0) {
            String origin = exchange.originId() == null ? "-" : exchange.originId();
            originLatency.computeIfAbsent(distribution + '\0' + origin, k -> Timer.builder("portcullis.origin.latency")
                    .description("from sending the request to the origin's response head")
                    .tag("distribution", distribution).tag("origin", origin)
                    .publishPercentileHistogram()
                    .register(registry)).record(exchange.originNanos(), TimeUnit.NANOSECONDS);
        }
        responseBytes.computeIfAbsent(distribution, k -> DistributionSummary.builder("portcullis.response.bytes")
                .baseUnit("bytes").tag("distribution", distribution)
                .register(registry)).record(exchange.responseBytes());
    }

    @Override
    public void limitReached(String limit, ConnectionState state) {
        limits.computeIfAbsent(limit, k -> Counter.builder("portcullis.limits.reached")
                .description("connections and requests refused or closed by a limit, by its config key")
                .tag("limit", limit)
                .register(registry)).increment();
    }

    private final Map<String, Counter> reevaluated = new ConcurrentHashMap<>();

    @Override
    public void connectionReevaluated(ConnectionState state, boolean allowed) {
        String distribution = state.distribution().id();
        String result = allowed ? "allowed" : "refused";
        reevaluated.computeIfAbsent(distribution + '\0' + result, k -> Counter.builder("portcullis.connections.reevaluated")
                .description("established connections checked again after a trust change, by outcome")
                .tag("distribution", distribution).tag("result", result)
                .register(registry)).increment();
    }
}
