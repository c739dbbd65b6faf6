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
import java.util.List;
import java.util.ArrayList;
import java.time.Instant;
import java.util.function.Supplier;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import dev.portcullis.revocation.CrlExpiry;
import dev.portcullis.revocation.IssuerCrl;
import dev.portcullis.revocation.OcspObserver;
import dev.portcullis.revocation.RevocationChecker;
import dev.portcullis.truststore.Rfc2253Names;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Handshakes by distribution and outcome (Success or the failure code), handshake duration, active
 * connections, requests by status class, origin latency; exposed as Prometheus text on the admin port.
 * Meters are resolved once per tag combination and kept here, so a handshake or a request costs a
 * map lookup and an increment, not a meter-id allocation.
 */
public final class EdgeMetrics implements ConnectionObserver, OcspObserver {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger active = new AtomicInteger();
    private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
    private final Map<String, Timer> handshakeDurations = new ConcurrentHashMap<>();
    private final Map<String, Timer> functionDurations = new ConcurrentHashMap<>();
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Timer> originLatency = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> responseBytes = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();

    private final Counter ocspCacheHits;
    private final Map<String, Counter> ocspRequests = new ConcurrentHashMap<>();
    private final Timer ocspDuration;
    private final MultiGauge crlEntries;
    private final MultiGauge crlUntilNextUpdate;
    private volatile Supplier<Map<String, RevocationChecker>> crls = Map::of;

    public EdgeMetrics() {
        registry.gauge("portcullis.connections.active", active);
        ocspCacheHits = Counter.builder("portcullis.ocsp.cache.hits")
                .description("OCSP questions of handshakes answered from the cache").register(registry);
        ocspDuration = Timer.builder("portcullis.ocsp.request.duration")
                .description("OCSP requests to responders, from sending to a checked answer (or the timeout)")
                .publishPercentileHistogram().register(registry);
        crlEntries = MultiGauge.builder("portcullis.crl.entries")
                .description("revoked serials in each loaded CRL").register(registry);
        crlUntilNextUpdate = MultiGauge.builder("portcullis.crl.seconds.until.next.update")
                .description("seconds until a loaded CRL's nextUpdate; negative: expired, its certificates are refused")
                .register(registry);
    }

    /** The CRLs the CRL gauges show: the serving generation's, read at every scrape. */
    public void trackCrls(Supplier<Map<String, RevocationChecker>> current) {
        this.crls = current;
    }

    @Override
    public void requestEnded(String result, long nanos) {
        ocspRequests.computeIfAbsent(result, k -> Counter.builder("portcullis.ocsp.requests")
                .description("OCSP requests to responders by result (good, revoked, unknown, error, timeout)")
                .tag("result", result).register(registry)).increment();
        ocspDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void cacheHit() {
        ocspCacheHits.increment();
    }

    private void refreshCrlGauges() {
        List<MultiGauge.Row<?>> entries = new ArrayList<>();
        List<MultiGauge.Row<?>> until = new ArrayList<>();
        crls.get().forEach((store, checker) -> {
            for (IssuerCrl crl : checker.crls().crls()) {
                Tags tags = Tags.of("trustStore", store, "issuer", Rfc2253Names.format(crl.issuer()));
                entries.add(MultiGauge.Row.of(tags, crl.revoked().size()));
                until.add(MultiGauge.Row.of(tags, crl, c -> CrlExpiry.secondsUntilNextUpdate(c, Instant.now())));
            }
        });
        crlEntries.register(entries, true);
        crlUntilNextUpdate.register(until, true);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        refreshCrlGauges();
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

    private final Map<String, Counter> functionErrors = new ConcurrentHashMap<>();

    @Override
    public void functionFailed(String function, String eventType, ConnectionState state) {
        functionErrors.computeIfAbsent(function + '\0' + eventType, k -> Counter.builder("portcullis.function.errors")
                .description("viewer function invocations that faulted (threw, returned nothing usable, or broke a"
                        + " limit) and were answered 503, by function and event type")
                .tag("function", function).tag("eventType", eventType)
                .register(registry)).increment();
    }
}
