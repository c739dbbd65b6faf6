package dev.portcullis.logs;

import java.util.List;

/**
 * The access log: CloudFront standard-log field names, plus {@code distribution-id}, {@code x-origin-id} and
 * {@code c-cert-serial-number} (W3C's {@code c-} prefix: a fact about the client).
 */
final class AccessLogSchema implements LogSchema<AccessRecord> {
    static final AccessLogSchema INSTANCE = new AccessLogSchema();

    private static final List<String> FIELDS = List.of(
            "date", "time", "c-ip", "c-port", "cs-method", "cs(Host)", "cs-uri-stem", "cs-uri-query",
            "sc-status", "sc-bytes", "cs-bytes", "time-taken", "time-to-first-byte", "cs-protocol-version",
            "ssl-protocol", "ssl-cipher", "x-edge-request-id", "connection-id", "distribution-id", "x-origin-id",
            "c-cert-serial-number", "x-edge-result-type");

    private AccessLogSchema() {
    }

    @Override
    public String name() {
        return "access";
    }

    @Override
    public List<String> fieldNames() {
        return FIELDS;
    }

    @Override
    public void write(AccessRecord r, FieldSink sink) {
        sink.utcDateAndTime(r.timestamp());
        sink.text(r.clientIp());
        LogSchema.positive(sink, r.clientPort());
        sink.text(r.method());
        sink.text(r.host());
        sink.text(r.uriStem());
        sink.text(r.uriQuery());
        LogSchema.positive(sink, r.status());
        LogSchema.count(sink, r.bytesSent());
        LogSchema.count(sink, r.bytesReceived());
        LogSchema.seconds(sink, r.timeTaken());
        LogSchema.seconds(sink, r.timeToFirstByte());
        sink.text(r.protocolVersion());
        sink.text(r.sslProtocol());
        sink.text(r.sslCipher());
        sink.text(r.requestId());
        sink.text(r.connectionId());
        sink.text(r.distributionId());
        sink.text(r.originId());
        sink.text(r.clientCertSerialNumber());
        sink.text(r.resultType());
    }
}
