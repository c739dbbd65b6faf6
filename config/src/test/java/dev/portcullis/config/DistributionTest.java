package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistributionTest {
    @TempDir
    Path dir;

    static Distribution distribution(List<String> names, List<CacheBehavior> behaviors) {
        Origin app = ConfigFixtureOrigins.h2c("app");
        return new Distribution("E1", names, new ViewerCertificate(Path.of("/c.pem"), Path.of("/k.pem")),
                new ViewerMtlsConfig(MtlsMode.OPTIONAL, Optional.of(new TrustStoreAssociation("ts1", false, false))),
                Optional.empty(), List.of(app), new CacheBehavior("*", "app"), behaviors,
                OriginRequestPolicy.defaultFor(MtlsMode.OPTIONAL), Optional.empty());
    }

    @Test
    void servesItsNamesIgnoringCaseAndATrailingDot() {
        Distribution d = distribution(List.of("API.Example.Test", "*.wild.example.test"), List.of());
        assertThat(d.domainNames()).containsExactly("api.example.test", "*.wild.example.test");
        assertThat(d.servesHost("api.example.test")).isTrue();
        assertThat(d.servesHost("Api.EXAMPLE.test.")).isTrue();
        assertThat(d.servesHost("www.example.test")).isFalse();
        assertThat(d.servesHost(null)).isFalse();
    }

    @Test
    void aWildcardMatchesExactlyOneLabel() {
        Distribution d = distribution(List.of("*.wild.example.test"), List.of());
        assertThat(d.servesHost("a.wild.example.test")).isTrue();
        assertThat(d.servesHost("A-1.WILD.example.test")).isTrue();
        assertThat(d.servesHost("wild.example.test")).isFalse();
        assertThat(d.servesHost("a.b.wild.example.test")).isFalse();
        assertThat(d.servesHost(".wild.example.test")).isFalse();
        assertThat(d.servesHost("awild.example.test")).isFalse();
    }

    @Test
    void sniPicksTheExactNameBeforeAWildcardAndFallsBackToTheFirstDistribution() throws Exception {
        ConfigFixture.withFiles(dir);
        String second = """
                  - id: ESECOND
                    domainNames: [api.example.test, "*.example.test"]
                    viewerCertificate: {certificate: pki/server.pem, privateKey: pki/server.key}
                    viewerMtlsConfig: {mode: optional, trustStoreConfig: {trustStoreId: ts1}}
                    origins: [{id: o, url: "http://127.0.0.1:9000"}]
                    defaultCacheBehavior: {targetOriginId: o}
                trustStores:
                """;
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "api.example.test, ", "");
        yaml = ConfigFixture.edit(yaml, "trustStores:\n", second);
        Path file = Files.writeString(dir.resolve("two.yaml"), yaml);

        EdgeConfig config = ConfigLoader.load(file);

        assertThat(config.distributionFor("api.example.test").id()).isEqualTo("ESECOND");
        assertThat(config.distributionFor("a.wild.example.test").id()).isEqualTo("EDEMO1");
        assertThat(config.distributionFor("wild.example.test").id()).isEqualTo("ESECOND");
        assertThat(config.distributionFor("LOCALHOST").id()).isEqualTo("EDEMO1");
        assertThat(config.distributionFor("unknown.test").id()).isEqualTo("EDEMO1");
        assertThat(config.distributionFor(null).id()).isEqualTo("EDEMO1");
        assertThat(config.distribution("ESECOND")).isPresent();
        assertThat(config.distributions().get(1).viewerMtlsConfig().mode()).isEqualTo(MtlsMode.OPTIONAL);

        String clash = ConfigFixture.edit(yaml, "[api.example.test, \"*.example.test\"]", "[localhost]");
        assertThatThrownBy(() -> ConfigLoader.parse(clash, dir)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).containsExactly("distributions[1].domainNames[0]: 'localhost' is"
                        + " already claimed at distributions[0].domainNames[0] (a name belongs to one distribution)"));
    }

    @Test
    void originRequestPolicyComparesHeaderNamesWithoutCase() {
        OriginRequestPolicy policy = new OriginRequestPolicy(List.of("CloudFront-Viewer-Cert-Pem"), false);
        assertThat(policy.forwards("cloudfront-viewer-cert-pem")).isTrue();
        assertThat(policy.forwards("CloudFront-Viewer-Cert-Sha256")).isFalse();
        assertThat(OriginRequestPolicy.defaultFor(MtlsMode.REQUIRED).forwards("Client-Cert")).isFalse();
        assertThat(OriginRequestPolicy.defaultFor(MtlsMode.PASSTHROUGH).headers())
                .containsAll(OriginRequestPolicy.VIEWER_CERT_HEADERS).contains("Client-Cert", "Client-Cert-Chain");
    }

    @Test
    void recordsRefuseAnMtlsModeWithoutItsTrustStore() {
        assertThatThrownBy(() -> new ViewerMtlsConfig(MtlsMode.REQUIRED, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ViewerMtlsConfig(MtlsMode.PASSTHROUGH,
                Optional.of(new TrustStoreAssociation("ts1", false, false))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
