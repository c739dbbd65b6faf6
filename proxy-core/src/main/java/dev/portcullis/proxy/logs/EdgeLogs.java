package dev.portcullis.proxy.logs;

import dev.portcullis.config.LogConfig;
import dev.portcullis.config.LoggingConfig;
import dev.portcullis.logs.AccessRecord;
import dev.portcullis.logs.ConnectionRecord;
import dev.portcullis.logs.LogFormat;
import dev.portcullis.logs.LogSettings;
import dev.portcullis.logs.LogWriter;
import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.http.ExchangeRecord;
import dev.portcullis.proxy.tls.ConnectionState;
import dev.portcullis.truststore.CertificateFacts;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/**
 * Writes one connection-log record per handshake (success or failure) and one access-log record per
 * exchange, both carrying the connection's id. Offering a record never blocks the event loop that
 * calls: the calling thread formats the record into its own block of lines, and the writer threads
 * only write full blocks (see connection-logs' LogWriter).
 */
public final class EdgeLogs implements ConnectionObserver, AutoCloseable {
    private final LogWriter<ConnectionRecord> connections;
    private final LogWriter<AccessRecord> access;

    private EdgeLogs(LogWriter<ConnectionRecord> connections, LogWriter<AccessRecord> access) {
        this.connections = connections;
        this.access = access;
    }

    public static EdgeLogs open(LoggingConfig config, MeterRegistry registry) {
        return new EdgeLogs(
                config.connectionLogs().map(c -> LogWriter.connectionLog(settings(c), registry)).orElse(null),
                config.accessLogs().map(c -> LogWriter.accessLog(settings(c), registry)).orElse(null));
    }

    private static LogSettings settings(LogConfig config) {
        LogFormat format = config.format() == dev.portcullis.config.LogFormat.W3C ? LogFormat.W3C : LogFormat.JSON;
        LogSettings settings = config.file().map(f -> LogSettings.of(f, format)).orElseGet(() -> LogSettings.of("stdout", format));
        if (config.file().isPresent() && (config.rotateSizeBytes() > 0 || config.rotateInterval().isPresent())) {
            settings = settings.withRotation(config.rotateSizeBytes(), config.rotateInterval().orElse(null), config.maxFiles());
        }
        return settings;
    }

    @Override
    public void handshakeEnded(ConnectionState state) {
        if (connections == null) {
            return;
        }
        ConnectionRecord.Builder record = ConnectionRecord.builder()
                .eventTimestamp(state.acceptedMillis())
                .connectionId(state.connectionId())
                .client(state.clientIp(), state.client().getPort())
                .server(state.server().getAddress().getHostAddress(), state.server().getPort())
                .distributionId(state.distribution() == null ? null : state.distribution().id())
                .tls(state.tlsProtocol(), state.tlsCipher(), Duration.ofNanos((long) (state.handshakeMillis() * 1_000_000)))
                .tlsSni(state.sni())
                .connectionLogCustomData(state.customData())
                .tlsSessionResumed(state.tlsSessionResumed());
        if (state.failure() == null) {
            record.success();
        } else {
            record.failed(state.failure().name());
        }
        CertificateFacts leaf = state.verifiedClient() != null ? state.verifiedClient().leaf() : state.presentedLeaf();
        if (leaf != null) {
            record.clientLeafCert(leaf.serialNumber(), leaf.subject(), leaf.issuer(), leaf.validity());
        }
        connections.offer(record.build());
    }

    @Override
    public void exchangeEnded(ExchangeRecord exchange) {
        if (access == null) {
            return;
        }
        ConnectionState state = exchange.connection();
        String uri = exchange.uri();
        AccessRecord.Builder record = AccessRecord.builder()
                .timestamp(exchange.startMillis())
                .client(state.clientIp(), state.client().getPort())
                .request(exchange.method(), exchange.host(), dev.portcullis.config.RequestTarget.path(uri),
                        dev.portcullis.config.RequestTarget.query(uri))
                .status(exchange.status())
                .bytes(exchange.responseBytes(), exchange.requestBytes())
                .timeTaken(Duration.ofNanos(exchange.timeTakenNanos()))
                .timeToFirstByte(exchange.firstByteNanos() < 0 ? null : Duration.ofNanos(exchange.firstByteNanos()))
                .protocolVersion(exchange.protocolVersion())
                .ssl(state.tlsProtocol(), state.tlsCipher())
                .requestId(exchange.requestId())
                .connectionId(state.connectionId())
                .distributionId(state.distribution().id())
                .originId(exchange.originId())
                .resultType(exchange.resultType() != null ? exchange.resultType()
                        : exchange.originNanos() >= 0 ? "Miss" : "Error");
        if (state.verifiedClient() != null) {
            record.clientCertSerialNumber(state.verifiedClient().leaf().serialNumber());
        }
        access.offer(record.build());
    }

    /** SIGHUP: reopen both files (logrotate moved them). */
    public void reopen() {
        if (connections != null) {
            connections.reopen();
        }
        if (access != null) {
            access.reopen();
        }
    }

    /** Waits until every record offered so far is written (or counted as dropped). */
    public boolean flush(Duration timeout) {
        boolean done = connections == null || connections.flush(timeout);
        return (access == null || access.flush(timeout)) && done;
    }

    /** Flushes every queued record and stops the writer threads. */
    @Override
    public void close() {
        if (connections != null) {
            connections.close();
        }
        if (access != null) {
            access.close();
        }
    }
}
