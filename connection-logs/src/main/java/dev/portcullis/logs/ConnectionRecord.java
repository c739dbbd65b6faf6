package dev.portcullis.logs;

import java.time.Duration;

/**
 * One TLS connection attempt, successful or not, as CloudFront's connection log describes it. Components are
 * named and ordered exactly as the log's fields; {@code serverPort} is our addition. Absent values are
 * {@code null} (text, duration) or 0 (ports) and are written as {@code null} in JSON and {@code -} in W3C.
 *
 * @param eventTimestamp             when the attempt ended, epoch milliseconds
 * @param connectionStatus           {@code Success} or {@code Failed:<code>} (e.g. {@code Failed:ClientCertUntrusted})
 * @param tlsCipher                  IANA name, e.g. {@code TLS_AES_128_GCM_SHA256}
 * @param tlsHandshakeDuration       written in milliseconds with three decimals
 * @param clientLeafCertSubject      RFC 2253
 * @param connectionLogCustomData    what the connection function logged, if anything
 * @param tlsSessionResumed          the client resumed a TLS 1.3 session (checked again all the same)
 */
public record ConnectionRecord(
        long eventTimestamp,
        String connectionId,
        String connectionStatus,
        String clientIp,
        int clientPort,
        String serverIp,
        int serverPort,
        String distributionId,
        String tlsProtocol,
        String tlsCipher,
        Duration tlsHandshakeDuration,
        String tlsSni,
        String clientLeafCertSerialNumber,
        String clientLeafCertSubject,
        String clientLeafCertIssuer,
        String clientLeafCertValidity,
        String connectionLogCustomData,
        boolean tlsSessionResumed) {

    /** The value of {@code connectionStatus} for a connection that completed its handshake and was allowed. */
    public static final String SUCCESS = "Success";

    public ConnectionRecord {
        checkPort("clientPort", clientPort);
        checkPort("serverPort", serverPort);
    }

    /** {@code Failed:<code>}, the status of a refused or broken attempt. */
    public static String failed(String code) {
        return "Failed:" + code;
    }

    public static Builder builder() {
        return new Builder();
    }

    static void checkPort(String field, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(field + " must be 0 (unknown) to 65535, got " + port);
        }
    }

    /** Fills a record in stages (accept, handshake, verification, function) and builds it once at the end. */
    public static final class Builder {
        private long eventTimestamp;
        private String connectionId;
        private String connectionStatus;
        private String clientIp;
        private int clientPort;
        private String serverIp;
        private int serverPort;
        private String distributionId;
        private String tlsProtocol;
        private String tlsCipher;
        private Duration tlsHandshakeDuration;
        private String tlsSni;
        private String clientLeafCertSerialNumber;
        private String clientLeafCertSubject;
        private String clientLeafCertIssuer;
        private String clientLeafCertValidity;
        private String connectionLogCustomData;
        private boolean tlsSessionResumed;

        private Builder() {
        }

        public Builder eventTimestamp(long epochMillis) {
            this.eventTimestamp = epochMillis;
            return this;
        }

        public Builder connectionId(String value) {
            this.connectionId = value;
            return this;
        }

        public Builder connectionStatus(String value) {
            this.connectionStatus = value;
            return this;
        }

        public Builder success() {
            return connectionStatus(SUCCESS);
        }

        public Builder failed(String code) {
            return connectionStatus(ConnectionRecord.failed(code));
        }

        public Builder client(String ip, int port) {
            this.clientIp = ip;
            this.clientPort = port;
            return this;
        }

        public Builder server(String ip, int port) {
            this.serverIp = ip;
            this.serverPort = port;
            return this;
        }

        public Builder distributionId(String value) {
            this.distributionId = value;
            return this;
        }

        public Builder tls(String protocol, String cipher, Duration handshakeDuration) {
            this.tlsProtocol = protocol;
            this.tlsCipher = cipher;
            this.tlsHandshakeDuration = handshakeDuration;
            return this;
        }

        public Builder tlsSni(String value) {
            this.tlsSni = value;
            return this;
        }

        public Builder clientLeafCert(String serialNumber, String subject, String issuer, String validity) {
            this.clientLeafCertSerialNumber = serialNumber;
            this.clientLeafCertSubject = subject;
            this.clientLeafCertIssuer = issuer;
            this.clientLeafCertValidity = validity;
            return this;
        }

        public Builder connectionLogCustomData(String value) {
            this.connectionLogCustomData = value;
            return this;
        }

        public Builder tlsSessionResumed(boolean value) {
            this.tlsSessionResumed = value;
            return this;
        }

        public ConnectionRecord build() {
            return new ConnectionRecord(eventTimestamp, connectionId, connectionStatus, clientIp, clientPort,
                    serverIp, serverPort, distributionId, tlsProtocol, tlsCipher, tlsHandshakeDuration, tlsSni,
                    clientLeafCertSerialNumber, clientLeafCertSubject, clientLeafCertIssuer,
                    clientLeafCertValidity, connectionLogCustomData, tlsSessionResumed);
        }
    }
}
