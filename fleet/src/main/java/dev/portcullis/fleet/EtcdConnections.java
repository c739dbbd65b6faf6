package dev.portcullis.fleet;

import dev.portcullis.config.FleetConfig;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.time.Duration;

/** A jetcd client for {@code fleet.etcd}, set up to fail fast while etcd is away instead of queueing. */
final class EtcdConnections {
    private EtcdConnections() {
    }

    static Client open(FleetConfig fleet) throws FleetException {
        ClientBuilder builder = Client.builder().endpoints(fleet.endpoints())
                .connectTimeout(Duration.ofSeconds(2))
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5))
                // a call while etcd is down fails at once (the node serves its snapshot and retries) rather
                // than waiting for a channel that may not come back
                .waitForReady(false)
                .retryMaxAttempts(1)
                .retryMaxDuration(Duration.ofSeconds(2))
                .maxInboundMessageSize(64 * 1024 * 1024);
        if (fleet.tls().isPresent()) {
            FleetConfig.EtcdTls tls = fleet.tls().get();
            try {
                var ssl = io.grpc.netty.GrpcSslContexts.forClient().trustManager(tls.caBundle().toFile());
                if (tls.certificate().isPresent()) {
                    ssl.keyManager(tls.certificate().get().toFile(), tls.privateKey().orElseThrow().toFile());
                }
                builder.sslContext(ssl.build());
            } catch (javax.net.ssl.SSLException | RuntimeException e) {
                throw new FleetException("fleet.etcd.tls: " + e.getMessage());
            }
        }
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw new FleetException("fleet.etcd.endpoints: " + e.getMessage());
        }
    }
}
