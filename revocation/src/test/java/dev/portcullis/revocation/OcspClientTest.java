package dev.portcullis.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.OcspConfig;
import dev.portcullis.truststore.CertificateRevocation.Status;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OCSP client against a real {@code openssl ocsp} responder, and against one that never answers. */
class OcspClientTest {
    @TempDir
    Path dir;
    Process responder;

    @AfterEach
    void stop() {
        if (responder != null) {
            responder.destroyForcibly();
        }
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    private X509Certificate read(String file) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve(file))));
    }

    private int startResponder(String index) throws Exception {
        Files.writeString(dir.resolve("index.txt"), index);
        int port = 20000 + new java.util.Random().nextInt(12000);
        Path log = dir.resolve("responder.log");
        responder = new ProcessBuilder("openssl", "ocsp", "-index", "index.txt", "-port", Integer.toString(port),
                "-rsigner", "signer.pem", "-rkey", "signer.key", "-CA", "ca.pem", "-nmin", "10", "-ignore_err", "-text")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains("waiting for OCSP client connections")) {
            assertThat(responder.isAlive() && System.nanoTime() < deadline).as(Files.readString(log)).isTrue();
            Thread.onSpinWait();
        }
        return port;
    }

    private void makeCa() throws Exception {
        openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "30", "-subj", "/CN=Lab CA", "-addext", "basicConstraints=critical,CA:true",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key",
                "-out", "leaf.csr", "-subj", "/CN=leaf");
        openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "4096",
                "-out", "leaf.pem", "-days", "10");
        // a delegated responder certificate, as CAs run them
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "signer.key",
                "-out", "signer.csr", "-subj", "/CN=responder");
        Files.writeString(dir.resolve("signer.ext"), "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\n"
                + "extendedKeyUsage=OCSPSigning\n");
        openssl("x509", "-req", "-in", "signer.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "77",
                "-out", "signer.pem", "-days", "10", "-extfile", "signer.ext");
    }

    @Test
    void asksARealResponderOnceAndAnswersFromTheCacheAfter() throws Exception {
        makeCa();
        int port = startResponder("V\t301231000000Z\t\t1000\tunknown\t/CN=leaf\n");
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger hits = new AtomicInteger();
        try (OcspClient client = new OcspClient(Clock.systemUTC(), new OcspObserver() {
            @Override
            public void requestEnded(String result, long nanos) {
                requests.incrementAndGet();
            }

            @Override
            public void cacheHit() {
                hits.incrementAndGet();
            }
        })) {
            OcspConfig settings = new OcspConfig(Duration.ofSeconds(1), Duration.ofMinutes(30), Optional.empty(),
                    OcspConfig.Undetermined.DENY);
            URI url = URI.create("http://127.0.0.1:" + port + "/");
            OcspAnswer answer = client.status(read("leaf.pem"), read("ca.pem"), url, settings).get(5, TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.detail()).isEqualTo(Status.Good);
            assertThat(answer.expiresAt()).isBefore(java.time.Instant.now().plus(Duration.ofMinutes(11)));
            OcspAnswer again = client.status(read("leaf.pem"), read("ca.pem"), url, settings).get(5, TimeUnit.SECONDS);
            assertThat(again.status()).isEqualTo(Status.Good);
            assertThat(requests).hasValue(1);
            assertThat(hits).hasValue(1);
        }
    }

    @Test
    void aResponderThatNeverAnswersIsATimeoutWithinTheBound() throws Exception {
        makeCa();
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             OcspClient client = new OcspClient(Clock.systemUTC(), OcspObserver.NONE)) {
            OcspConfig settings = new OcspConfig(Duration.ofMillis(300), Duration.ofMinutes(30), Optional.empty(),
                    OcspConfig.Undetermined.DENY);
            long started = System.nanoTime();
            OcspAnswer answer = client.status(read("leaf.pem"), read("ca.pem"),
                    URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/"), settings).get(5, TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(Status.Error);
            assertThat(answer.errorType()).isEqualTo("Timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }
}
