package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CacheBehaviorTest {
    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
        "*,            /,                    true",
        "*,            /any/thing.jpg,       true",
        "/api/*,       /api/,                true",
        "/api/*,       /api/v1/users,        true",
        "/api/*,       /api,                 false",
        "/api/*,       /API/v1,              false",
        "/api/*,       /apix/v1,             false",
        "api/*,        /api/v1,              true",
        "/images/*.jpg, /images/a/b/c.jpg,   true",
        "/images/*.jpg, /images/a.jpeg,      false",
        "/images/*.jpg, /images/.jpg,        true",
        "/v?/users,    /v1/users,            true",
        "/v?/users,    /v10/users,           false",
        "/v?/users,    /v/users,             false",
        "*.php,        /index.php,           true",
        "*.php,        /index.php5,          false",
        "/a*b*c,       /aXbYbZc,             true",
        "/a*b*c,       /aXbYcZ,              false",
        "/exact,       /exact,               true",
        "/exact,       /exact/,              false",
        "/**,          /,                    true",
    })
    void matchesLikeCloudFront(String pattern, String path, boolean expected) {
        assertThat(new CacheBehavior(pattern, "o").matches(path)).isEqualTo(expected);
    }

    @Test
    void noBacktrackingBlowUpOnManyStars() {
        String pattern = "/" + "*a".repeat(30) + "b";
        String path = "/" + "a".repeat(5000);
        long start = System.nanoTime();
        assertThat(new CacheBehavior(pattern, "o").matches(path)).isFalse();
        assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    }

    @Test
    void behaviorForTakesTheFirstMatchElseTheDefaultAndIgnoresTheQuery() {
        Distribution d = DistributionTest.distribution(List.of("example.test"), List.of(
                new CacheBehavior("/api/v1/*", "v1"), new CacheBehavior("/api/*", "api")));
        assertThat(d.behaviorFor("/api/v1/users").targetOriginId()).isEqualTo("v1");
        assertThat(d.behaviorFor("/api/v2/users").targetOriginId()).isEqualTo("api");
        assertThat(d.behaviorFor("/api/v1?x=/other").targetOriginId()).isEqualTo("api");
        assertThat(d.behaviorFor("/static/app.js")).isEqualTo(new CacheBehavior("*", "app"));
        assertThat(d.originRequestPolicy()).isEqualTo(OriginRequestPolicy.defaultFor(MtlsMode.OPTIONAL));
        assertThat(d.connectionFunctionId()).isEqualTo(Optional.empty());
    }
}
