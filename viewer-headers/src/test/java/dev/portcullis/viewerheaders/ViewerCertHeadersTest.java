package dev.portcullis.viewerheaders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.VerifiedClient;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ViewerCertHeadersTest {
    static IssuedCertificate root;
    static IssuedCertificate intermediate;
    static IssuedCertificate leaf;

    @TempDir
    Path dir;

    @BeforeAll
    static void pki() {
        root = CertificateSpec.ca("CN=Root CA,O=Example,C=US").selfSigned();
        intermediate = CertificateSpec.ca("CN=Intermediate CA,O=Example,C=US").signedBy(root);
        leaf = CertificateSpec.client("CN=Jürgen \\, Sons\\+x,OU=devices,O=Ex\\<a\\>mple,C=DE")
                .serial(new BigInteger("9e2aaf16", 16))
                .validity(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2036-01-01T00:00:00Z"))
                .signedBy(intermediate);
    }

    @Test
    void verifiedHeadersInOrderWithOpensslValues() throws Exception {
        Path pem = dir.resolve("leaf.pem");
        Files.writeString(pem, leaf.certificatePem());
        List<String> openssl = openssl("x509", "-in", pem.toString(), "-noout", "-serial", "-issuer", "-subject",
                "-startdate", "-enddate", "-fingerprint", "-sha256", "-nameopt", "RFC2253");

        List<ViewerHeader> headers = ViewerCertHeaders.verified(verified(leaf, intermediate));

        assertThat(headers).extracting(ViewerHeader::name).containsExactly(
                "CloudFront-Viewer-Cert-Serial-Number", "CloudFront-Viewer-Cert-Issuer",
                "CloudFront-Viewer-Cert-Subject", "CloudFront-Viewer-Cert-Validity", "CloudFront-Viewer-Cert-Pem",
                "CloudFront-Viewer-Cert-Present", "CloudFront-Viewer-Cert-Sha256");
        assertThat(value(headers, "Serial-Number")).isEqualTo("00:9e:2a:af:16");
        assertThat(new BigInteger(value(headers, "Serial-Number").replace(":", ""), 16))
                .isEqualTo(new BigInteger(field(openssl, "serial="), 16));
        assertThat(value(headers, "Issuer")).isEqualTo(field(openssl, "issuer="))
                .isEqualTo("CN=Intermediate CA,O=Example,C=US");
        assertThat(value(headers, "Subject")).isEqualTo(field(openssl, "subject="))
                .isEqualTo("CN=J\\C3\\BCrgen \\, Sons\\+x,OU=devices,O=Ex\\<a\\>mple,C=DE");
        assertThat(value(headers, "Validity"))
                .isEqualTo("NotBefore=" + opensslDate(field(openssl, "notBefore=")) + ";NotAfter="
                        + opensslDate(field(openssl, "notAfter=")))
                .isEqualTo("NotBefore=2025-01-01T00:00:00Z;NotAfter=2036-01-01T00:00:00Z");
        assertThat(value(headers, "Present")).isEqualTo("1");
        assertThat(value(headers, "Sha256")).hasSize(64)
                .isEqualTo(field(openssl, "sha256 Fingerprint=").replace(":", "").toLowerCase(Locale.ROOT));

        String pemHeader = value(headers, "Pem");
        assertThat(pemHeader).startsWith("-----BEGIN%20CERTIFICATE-----%0AMII")
                .endsWith("%0A-----END%20CERTIFICATE-----%0A")
                .matches("[A-Za-z0-9%+/=._~-]+");
        String decoded = percentDecode(pemHeader);
        assertThat(decoded).isEqualTo(String.join("\n", openssl("x509", "-in", pem.toString())) + "\n")
                .isEqualTo(leaf.certificatePem().replace("\r\n", "\n"));
    }

    @Test
    void percentEncodingEscapesEverythingButUnreservedAndBase64() {
        assertThat(ViewerCertHeaders.percentEncode("a Z0-._~+/=\n%:é\r\0"))
                .isEqualTo("a%20Z0-._~+/=%0A%25%3A%C3%A9%0D%00");
    }

    @Test
    void absentIsOnlyPresentZero() {
        assertThat(ViewerCertHeaders.absent())
                .containsExactly(new ViewerHeader("CloudFront-Viewer-Cert-Present", "0"));
    }

    @Test
    void passthroughIsRfc9440() throws Exception {
        List<ViewerHeader> leafOnly = ViewerCertHeaders.passthrough(List.of(leaf.certificate()));
        assertThat(leafOnly).hasSize(1);
        assertThat(leafOnly.getFirst().name()).isEqualTo("Client-Cert");
        assertThat(decodeByteSequence(leafOnly.getFirst().value())).isEqualTo(leaf.certificate().getEncoded());

        List<ViewerHeader> full = ViewerCertHeaders.passthrough(
                List.of(leaf.certificate(), intermediate.certificate(), root.certificate()));
        assertThat(full).extracting(ViewerHeader::name).containsExactly("Client-Cert", "Client-Cert-Chain");
        assertThat(full.get(0)).isEqualTo(leafOnly.getFirst());
        String[] members = full.get(1).value().split(", ");
        assertThat(members).hasSize(2);
        assertThat(decodeByteSequence(members[0])).isEqualTo(intermediate.certificate().getEncoded());
        assertThat(decodeByteSequence(members[1])).isEqualTo(root.certificate().getEncoded());

        assertThat(ViewerCertHeaders.passthrough(List.of())).isEmpty();
    }

    @Test
    void reservedNames() {
        for (String name : List.of("CloudFront-Viewer-Cert-Present", "cloudfront-viewer-cert-pem",
                "CLOUDFRONT-VIEWER-CERT-SUBJECT", "cloudfront-viewer-cert-anything-new", "Client-Cert",
                "client-cert", "CLIENT-CERT-CHAIN", "Client-Cert-Chain")) {
            assertThat(ViewerCertHeaders.isReserved(name)).as(name).isTrue();
            assertThat(ViewerCertHeaders.isReserved(new StringBuilder(name))).as(name).isTrue();
        }
        for (String name : List.of("CloudFront-Viewer-Address", "cloudfront-viewer-cert", "cloudfront-viewer-cert-",
                "Client-Certificate", "client-cert-chains", "x-client-cert", "client-cer", "", "Host")) {
            assertThat(ViewerCertHeaders.isReserved(name)).as(name).isFalse();
        }
    }

    private static VerifiedClient verified(IssuedCertificate leafCert, IssuedCertificate... rest) {
        List<CertificateFacts> intermediates = java.util.Arrays.stream(rest)
                .map(c -> CertificateFacts.of(c.certificate())).toList();
        return new VerifiedClient(CertificateFacts.of(leafCert.certificate()), intermediates);
    }

    private static String value(List<ViewerHeader> headers, String suffix) {
        return headers.stream().filter(h -> h.name().equals("CloudFront-Viewer-Cert-" + suffix))
                .map(ViewerHeader::value).findFirst().orElseThrow();
    }

    private static String percentDecode(String encoded) {
        // '+' is literal here (base64), not a space as in forms, so protect it from URLDecoder
        return URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static byte[] decodeByteSequence(String member) {
        assertThat(member).startsWith(":").endsWith(":");
        return Base64.getDecoder().decode(member.substring(1, member.length() - 1));
    }

    /** openssl's {@code Jan  1 00:00:00 2025 GMT} as ISO-8601. */
    private static String opensslDate(String date) {
        return DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC)
                .parse(date, Instant::from).toString();
    }

    private static String field(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in " + lines));
    }

    private static List<String> openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
