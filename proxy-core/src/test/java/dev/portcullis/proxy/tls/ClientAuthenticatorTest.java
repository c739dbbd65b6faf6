package dev.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.MtlsMode;
import dev.portcullis.functions.ConnectionFunction;
import dev.portcullis.functions.FunctionLimits;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.truststore.FailureCode;
import dev.portcullis.truststore.Rejection;
import io.netty.channel.DefaultEventLoop;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientAuthenticatorTest {
    @TempDir
    Path dir;

    @Test
    void refusesToRunAFunctionOnTheConnectionsEventLoop() throws Exception {
        Path code = dir.resolve("allow.js");
        Files.writeString(code, "function connectionHandler(connection) { connection.allow(); }\n");
        DefaultEventLoop loop = new DefaultEventLoop();
        try (ConnectionFunction function = ConnectionFunction.compile("allow", code, Optional.empty(),
                FunctionLimits.DEFAULTS, KeyValueStores.of())) {
            ClientAuthenticator authenticator = new ClientAuthenticator(MtlsMode.PASSTHROUGH, null, null,
                    Optional.of(new FunctionGate(function)), Runnable::run, Clock.systemUTC());
            ConnectionState state = new ConnectionState("conn-1",
                    new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 443));
            state.chooseDistribution(null, "localhost", loop);

            Optional<Rejection> onLoop = loop.submit(() -> authenticator.runFunction(state, Optional.empty()).rejection())
                    .get(10, TimeUnit.SECONDS);

            assertThat(onLoop).isPresent();
            assertThat(onLoop.get().code()).isEqualTo(FailureCode.Internal);
            assertThat(onLoop.get().reason()).contains("event loop");
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
