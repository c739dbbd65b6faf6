package dev.portcullis.logs;

import java.time.Duration;

/**
 * One request, as a CloudFront standard (access) log line. Each component maps to one log field named as
 * CloudFront names it (see {@link AccessLogSchema}); {@code timestamp} gives both {@code date} and {@code time}.
 * Absent values are {@code null} (text, durations), 0 (port, status) or negative (byte counts) and are
 * written as {@code null} in JSON and {@code -} in W3C.
 *
 * @param timestamp              when the response finished, epoch milliseconds ({@code date}, {@code time} in UTC)
 * @param clientIp               {@code c-ip}
 * @param clientPort             {@code c-port}
 * @param method                 {@code cs-method}
 * @param host                   {@code cs(Host)}
 * @param uriStem                {@code cs-uri-stem}
 * @param uriQuery               {@code cs-uri-query}, without the {@code ?}
 * @param status                 {@code sc-status}; 0 when no response was sent (absent)
 * @param bytesSent              {@code sc-bytes}
 * @param bytesReceived          {@code cs-bytes}
 * @param timeTaken              {@code time-taken}, written in seconds with three decimals
 * @param timeToFirstByte        {@code time-to-first-byte}, seconds with three decimals
 * @param protocolVersion        {@code cs-protocol-version}: {@code HTTP/2.0} or {@code HTTP/1.1}
 * @param sslProtocol            {@code ssl-protocol}
 * @param sslCipher              {@code ssl-cipher}
 * @param requestId              {@code x-edge-request-id}
 * @param connectionId           {@code connection-id}, the join key with the connection log
 * @param distributionId         {@code distribution-id} (our addition)
 * @param originId               {@code x-origin-id} (our addition)
 * @param clientCertSerialNumber {@code c-cert-serial-number} (our addition): the client leaf's serial, so a
 *                               request can be traced to a device without joining the connection log
 * @param resultType             {@code x-edge-result-type}, e.g. {@code Miss} or {@code Error}
 */
public record AccessRecord(
        long timestamp,
        String clientIp,
        int clientPort,
        String method,
        String host,
        String uriStem,
        String uriQuery,
        int status,
        long bytesSent,
        long bytesReceived,
        Duration timeTaken,
        Duration timeToFirstByte,
        String protocolVersion,
        String sslProtocol,
        String sslCipher,
        String requestId,
        String connectionId,
        String distributionId,
        String originId,
        String clientCertSerialNumber,
        String resultType) {

    public AccessRecord {
        ConnectionRecord.checkPort("clientPort", clientPort);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fills a record as the request progresses and builds it once the response is done. */
    public static final class Builder {
        private long timestamp;
        private String clientIp;
        private int clientPort;
        private String method;
        private String host;
        private String uriStem;
        private String uriQuery;
        private int status;
        private long bytesSent = -1;
        private long bytesReceived = -1;
        private Duration timeTaken;
        private Duration timeToFirstByte;
        private String protocolVersion;
        private String sslProtocol;
        private String sslCipher;
        private String requestId;
        private String connectionId;
        private String distributionId;
        private String originId;
        private String clientCertSerialNumber;
        private String resultType;

        private Builder() {
        }

        public Builder timestamp(long epochMillis) {
            this.timestamp = epochMillis;
            return this;
        }

        public Builder client(String ip, int port) {
            this.clientIp = ip;
            this.clientPort = port;
            return this;
        }

        /** Method, {@code Host}, path and query (without {@code ?}; {@code null} when there is none). */
        public Builder request(String method, String host, String uriStem, String uriQuery) {
            this.method = method;
            this.host = host;
            this.uriStem = uriStem;
            this.uriQuery = uriQuery;
            return this;
        }

        public Builder status(int value) {
            this.status = value;
            return this;
        }

        public Builder bytes(long sent, long received) {
            this.bytesSent = sent;
            this.bytesReceived = received;
            return this;
        }

        public Builder timeTaken(Duration value) {
            this.timeTaken = value;
            return this;
        }

        public Builder timeToFirstByte(Duration value) {
            this.timeToFirstByte = value;
            return this;
        }

        public Builder protocolVersion(String value) {
            this.protocolVersion = value;
            return this;
        }

        public Builder ssl(String protocol, String cipher) {
            this.sslProtocol = protocol;
            this.sslCipher = cipher;
            return this;
        }

        public Builder requestId(String value) {
            this.requestId = value;
            return this;
        }

        public Builder connectionId(String value) {
            this.connectionId = value;
            return this;
        }

        public Builder distributionId(String value) {
            this.distributionId = value;
            return this;
        }

        public Builder originId(String value) {
            this.originId = value;
            return this;
        }

        public Builder clientCertSerialNumber(String value) {
            this.clientCertSerialNumber = value;
            return this;
        }

        public Builder resultType(String value) {
            this.resultType = value;
            return this;
        }

        public AccessRecord build() {
            return new AccessRecord(timestamp, clientIp, clientPort, method, host, uriStem, uriQuery, status,
                    bytesSent, bytesReceived, timeTaken, timeToFirstByte, protocolVersion, sslProtocol, sslCipher,
                    requestId, connectionId, distributionId, originId, clientCertSerialNumber, resultType);
        }
    }
}
