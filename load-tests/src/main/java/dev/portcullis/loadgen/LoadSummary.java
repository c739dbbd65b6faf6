package dev.portcullis.loadgen;

import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a run measured, after warmup. {@link #toText()} is for people, {@link #toJson()} for scripts: its keys
 * are stable and every error kind is always present (0 when none). Latencies are in milliseconds.
 *
 * @param seconds  the measured window: from the end of warmup to the deadline or the last of {@code --requests};
 *                 rates divide by it. Requests in flight at its end are waited for and counted.
 * @param drainSeconds how long waiting for those took (long when the server fell behind)
 * @param ok       responses with a 2xx status
 * @param failed   attempts that failed: non-2xx responses, connection and TLS failures, timeouts, resets
 * @param handshakes handshakes the server accepted (first HTTP bytes received)
 * @param bytesIn  bytes read from the sockets, TLS records included
 * @param errors   failures by kind ({@code connect_refused, tls_handshake, timeout, http_4xx, reset, ...})
 * @param tlsFailures handshake failures by alert received, or by local reason
 * @param statuses responses by HTTP status code
 * @param idle     only for {@code --hold-idle}
 */
public record LoadSummary(Settings settings, double seconds, double drainSeconds, long ok, long failed, long handshakes,
                          long bytesIn, long bytesOut, Map<String, Long> errors, Map<String, Long> tlsFailures,
                          Map<String, Long> errorDetails, Map<String, Long> statuses, Latency latency,
                          Latency handshakeLatency, IdleConnections idle) {

    /** The run's configuration, echoed so a result file explains itself. */
    public record Settings(String url, String mode, String tls, String http, String method, int bodySize,
                           int connections, int streams, double rate, boolean newConnectionPerRequest,
                           boolean resumption, int threads, String transport, double warmupSeconds) {
    }

    /** Percentiles in milliseconds from an HdrHistogram of nanoseconds; all 0 when {@code count} is 0. */
    public record Latency(long count, double mean, double p50, double p90, double p99, double p999, double max) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), ms(h.getMean()), ms(h.getValueAtPercentile(50)),
                    ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
                    ms(h.getMaxValue()));
        }

        private static double ms(double nanos) {
            return Math.round(nanos / 1000.0) / 1000.0;
        }
    }

    /** Hold-idle: connections asked for, open once all were tried, still open when the hold ended. */
    public record IdleConnections(int requested, int opened, int openAtEnd) {
    }

    static LoadSummary of(LoadSpec spec, String transport, double seconds, double drainSeconds, Stats.Snapshot s,
                          IdleConnections idle) {
        Settings settings = new Settings(spec.target().url(), spec.mode().label, spec.tls().tls13() ? "1.3" : "1.2",
                spec.http2() ? "2" : "1.1", spec.method(), spec.bodySize(), spec.connections(), spec.slotsPerConnection(),
                spec.rate(), spec.newConnectionPerRequest(), spec.tls().resumption(), spec.threads(), transport,
                spec.warmup().toNanos() / 1e9);
        return new LoadSummary(settings, seconds, drainSeconds, s.ok(), s.failed(), s.handshakes(), s.bytesIn(), s.bytesOut(),
                s.errors(), s.tlsFailures(), s.errorDetails(), s.statuses(), Latency.of(s.latency()),
                Latency.of(s.handshakeLatency()), idle);
    }

    public long requests() {
        return ok + failed;
    }

    /** Successful (2xx) requests per second. */
    public double requestsPerSecond() {
        return ok / seconds;
    }

    public double handshakesPerSecond() {
        return handshakes / seconds;
    }

    public long errorCount(String kind) {
        return errors.getOrDefault(kind, 0L);
    }

    /** Whether anything worked: decides the exit status. */
    public boolean anySuccess() {
        return ok > 0 || idle != null && idle.opened() > 0;
    }

    public String toText() {
        StringBuilder out = new StringBuilder();
        Settings c = settings;
        out.append(String.format(Locale.ROOT, "target       %s %s, TLS %s, HTTP/%s%s%n", c.method(), c.url(), c.tls(),
                c.http(), c.bodySize() > 0 ? ", body " + c.bodySize() + " B" : ""));
        out.append(String.format(Locale.ROOT, "mode         %s%s, %s, %d thread(s), %s%n", c.mode(),
                c.rate() > 0 ? String.format(Locale.ROOT, " at %.1f req/s", c.rate()) : "",
                c.newConnectionPerRequest() ? "new connection per request" + (c.resumption() ? " (resumption allowed)" : " (no resumption)")
                        : idle != null ? idle.requested() + " connection(s)"
                        : c.connections() + " connection(s) x " + c.streams() + " stream(s)",
                c.threads(), c.transport()));
        out.append(String.format(Locale.ROOT, "duration     %.3f s measured (warmup %.3f s, drain %.3f s)%n", seconds,
                c.warmupSeconds(), drainSeconds));
        out.append(String.format(Locale.ROOT, "requests     %d ok, %d failed, %.1f req/s%n", ok, failed, requestsPerSecond()));
        out.append(String.format(Locale.ROOT, "handshakes   %d, %.1f handshakes/s%n", handshakes, handshakesPerSecond()));
        out.append(String.format(Locale.ROOT, "bytes        in %d (%.1f B/s), out %d (%.1f B/s)%n",
                bytesIn, bytesIn / seconds, bytesOut, bytesOut / seconds));
        out.append("errors      ");
        long nonZero = errors.values().stream().filter(n -> n > 0).count();
        if (nonZero == 0) {
            out.append(" none");
        }
        errors.forEach((kind, n) -> {
            if (n > 0) {
                out.append(' ').append(kind).append(' ').append(n);
                if (kind.equals(ErrorKind.TLS_HANDSHAKE.key) && !tlsFailures.isEmpty()) {
                    out.append(" ").append(tlsFailures);
                }
            }
        });
        out.append(System.lineSeparator());
        errorDetails.forEach((detail, n) -> out.append("             ").append(detail).append(": ").append(n)
                .append(System.lineSeparator()));
        out.append("status      ");
        statuses.forEach((status, n) -> out.append(' ').append(status).append(' ').append(n));
        out.append(System.lineSeparator());
        out.append(latencyLine("latency ms  ", latency));
        if (handshakeLatency.count() > 0) {
            out.append(latencyLine("handshake ms", handshakeLatency));
        }
        if (idle != null) {
            out.append(String.format(Locale.ROOT, "idle         %d requested, %d opened, %d open at end%n",
                    idle.requested(), idle.opened(), idle.openAtEnd()));
        }
        return out.toString();
    }

    private static String latencyLine(String label, Latency l) {
        return String.format(Locale.ROOT, "%s p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (mean %.3f, n=%d)%n",
                label, l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean(), l.count());
    }

    public String toJson() {
        Settings c = settings;
        JsonWriter json = new JsonWriter();
        json.beginObject();
        json.name("settings").beginObject()
                .field("url", c.url()).field("mode", c.mode()).field("tls", c.tls()).field("http", c.http())
                .field("method", c.method()).field("bodySize", c.bodySize()).field("connections", c.connections())
                .field("streams", c.streams()).field("rate", c.rate())
                .field("newConnectionPerRequest", c.newConnectionPerRequest()).field("resumption", c.resumption())
                .field("threads", c.threads()).field("transport", c.transport()).field("warmupSeconds", c.warmupSeconds())
                .endObject();
        json.field("seconds", seconds).field("drainSeconds", drainSeconds).field("requests", requests()).field("ok", ok).field("failed", failed)
                .field("requestsPerSecond", requestsPerSecond()).field("handshakes", handshakes)
                .field("handshakesPerSecond", handshakesPerSecond()).field("bytesIn", bytesIn).field("bytesOut", bytesOut)
                .field("bytesInPerSecond", bytesIn / seconds).field("bytesOutPerSecond", bytesOut / seconds);
        json.name("errors").counts(errors);
        json.name("tlsFailures").counts(tlsFailures);
        json.name("errorDetails").counts(errorDetails);
        json.name("statuses").counts(statuses);
        json.name("latencyMs");
        latency(json, latency);
        json.name("handshakeLatencyMs");
        latency(json, handshakeLatency);
        if (idle != null) {
            json.name("idle").beginObject().field("requested", idle.requested()).field("opened", idle.opened())
                    .field("openAtEnd", idle.openAtEnd()).endObject();
        }
        json.endObject();
        return json.toString() + "\n";
    }

    private static void latency(JsonWriter json, Latency l) {
        json.beginObject().field("count", l.count()).field("mean", l.mean()).field("p50", l.p50())
                .field("p90", l.p90()).field("p99", l.p99()).field("p99_9", l.p999()).field("max", l.max()).endObject();
    }
}
