package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void parsesDurations() {
        assertThat(Units.duration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Units.duration("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Units.duration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Units.duration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Units.duration("1d")).isEqualTo(Duration.ofDays(1));
        for (String bad : new String[] {"10", "1.5s", "-1s", "10S", "s", "10 minutes"}) {
            assertThatThrownBy(() -> Units.duration(bad)).as(bad).hasMessageContaining("is not a duration");
        }
    }

    @Test
    void parsesSizesInPowersOf1024() {
        assertThat(Units.bytes("512B")).isEqualTo(512);
        assertThat(Units.bytes("512KB")).isEqualTo(512 * 1024);
        assertThat(Units.bytes("2MB")).isEqualTo(2 * 1024 * 1024);
        assertThat(Units.bytes("1gb")).isEqualTo(1L << 30);
        assertThat(Units.bytes("100 MB")).isEqualTo(100L << 20);
        assertThatThrownBy(() -> Units.bytes("2TB")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Units.bytes("9999999999999GB")).hasMessageContaining("too large");
    }

    @Test
    void suggestsCloseKeys() {
        java.util.List<String> keys = java.util.List.of("trustStoreId", "advertiseTrustStoreCaNames");
        assertThat(Suggestions.closest("trustStoreID", keys)).contains("trustStoreId");
        assertThat(Suggestions.closest("trustStore", keys)).contains("trustStoreId");
        assertThat(Suggestions.closest("colour", keys)).isEmpty();
    }
}
