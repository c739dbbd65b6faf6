package dev.portcullis.logs;

import java.util.List;

/**
 * The connection log: field names as CloudFront's connection log, plus {@code serverPort} and, last,
 * {@code tlsSessionResumed} (true when the client resumed a TLS 1.3 session, which
 * {@code viewerMtlsConfig.sessionResumption} allows).
 */
final class ConnectionLogSchema implements LogSchema<ConnectionRecord> {
    static final ConnectionLogSchema INSTANCE = new ConnectionLogSchema();

    private static final List<String> FIELDS = List.of(
            "eventTimestamp", "connectionId", "connectionStatus", "clientIp", "clientPort", "serverIp",
            "serverPort", "distributionId", "tlsProtocol", "tlsCipher", "tlsHandshakeDuration", "tlsSni",
            "clientLeafCertSerialNumber", "clientLeafCertSubject", "clientLeafCertIssuer",
            "clientLeafCertValidity", "connectionLogCustomData", "tlsSessionResumed");

    private ConnectionLogSchema() {
    }

    @Override
    public String name() {
        return "connection";
    }

    @Override
    public List<String> fieldNames() {
        return FIELDS;
    }

    @Override
    public void write(ConnectionRecord r, FieldSink sink) {
        sink.number(r.eventTimestamp());
        sink.text(r.connectionId());
        sink.text(r.connectionStatus());
        sink.text(r.clientIp());
        LogSchema.positive(sink, r.clientPort());
        sink.text(r.serverIp());
        LogSchema.positive(sink, r.serverPort());
        sink.text(r.distributionId());
        sink.text(r.tlsProtocol());
        sink.text(r.tlsCipher());
        LogSchema.millis(sink, r.tlsHandshakeDuration());
        sink.text(r.tlsSni());
        sink.text(r.clientLeafCertSerialNumber());
        sink.text(r.clientLeafCertSubject());
        sink.text(r.clientLeafCertIssuer());
        sink.text(r.clientLeafCertValidity());
        sink.text(r.connectionLogCustomData());
        sink.bool(r.tlsSessionResumed());
    }
}
