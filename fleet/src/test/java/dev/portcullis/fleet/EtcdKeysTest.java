package dev.portcullis.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The key layout and the values only nodes write, parsed back strictly (a watch event can hold anything). */
class EtcdKeysTest {
    private final EtcdKeys keys = new EtcdKeys("/p/");

    @Test
    void storeKeysParseBackAndEverythingElseIsNotAStore() {
        assertThat(keys.parse(keys.meta("revoked"))).contains(new EtcdKeys.StoreKey("revoked", true, null, null));
        assertThat(keys.parse(keys.data("revoked", "0a1b") + "a/b c")).contains(
                new EtcdKeys.StoreKey("revoked", false, "0a1b", "a/b c"));
        assertThat(keys.parse(keys.status("edge-1"))).isEmpty();
        assertThat(keys.parse(keys.config())).isEmpty();
        assertThat(keys.parse("/p/kvs/revoked")).isEmpty();
        assertThat(keys.parse("/p/kvs/revoked/other")).isEmpty();
        assertThat(keys.parse("/other/kvs/revoked/meta")).isEmpty();
    }

    @Test
    void anEtagIsOursOnlyWhenStrongWithAHexIncarnationAndAPositiveRevision() {
        assertThat(EtcdStoreAccess.Tag.parse("\"0a1b-42\"")).contains(new EtcdStoreAccess.Tag("0a1b", 42));
        assertThat(EtcdStoreAccess.Tag.parse("W/\"0a1b-42\", 0a1b-43")).contains(new EtcdStoreAccess.Tag("0a1b", 43));
        assertThat(EtcdStoreAccess.Tag.parse("0a1b-0")).isEmpty();
        assertThat(EtcdStoreAccess.Tag.parse("*")).isEmpty();
        assertThat(EtcdStoreAccess.Tag.parse("zz-4")).isEmpty();
        assertThat(EtcdStoreAccess.Tag.parse("0a1b-x")).isEmpty();
    }

    @Test
    void metaAndPushValuesNoNodeWroteAreRefusedNamingWhatIsWrong() {
        StoreMeta meta = StoreMeta.parse(new StoreMeta("0a1b", java.time.Instant.ofEpochMilli(1),
                java.time.Instant.ofEpochMilli(2)).json());
        assertThat(meta.at(7).etag()).isEqualTo("0a1b-7");
        assertThatThrownBy(() -> StoreMeta.parse("{\"incarnation\":\"../x\",\"created\":1,\"lastModified\":2}"))
                .hasMessageContaining("not a store's meta value");
        assertThatThrownBy(() -> StoreMeta.parse("not json")).hasMessageStartingWith("not JSON");

        PushManifest push = new PushManifest("/etc/p/edge.yaml", "/etc/p", "distributions: []",
                Map.of("/etc/p/ca.pem", "a".repeat(64)), "now", "host");
        assertThat(PushManifest.parse(push.json())).isEqualTo(push);
        assertThatThrownBy(() -> PushManifest.parse(push.json().replace("a".repeat(64), "../../etc/passwd")))
                .hasMessageContaining("names a file oddly");
        assertThatThrownBy(() -> PushManifest.parse("{\"format\":2}")).hasMessageContaining("format 2");
    }
}
