package dev.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one rule for what a viewer's fields may carry to an origin, with underscores allowed or not. */
class ViewerFieldFilterTest {
    private static final List<String> PROTECTED = List.of("CloudFront-Viewer-Cert-Subject", "cloudfront-viewer-cert-present",
            "Client-Cert", "CLIENT-CERT-CHAIN", "X-Forwarded-For", "X-Forwarded-Proto", "Connection", "Transfer-Encoding",
            "X-Connection-Id", "Expect", "x-http2-stream-id");

    @Test
    void protectedNamesAreDroppedInEverySpellingWhateverTheUnderscoreSetting() {
        for (boolean allow : new boolean[] {false, true}) {
            ViewerFieldFilter filter = new ViewerFieldFilter("X-Connection-Id", allow);
            for (String name : PROTECTED) {
                assertThat(filter.forwardsHeader(name, List.of())).as(name).isFalse();
                assertThat(filter.forwardsHeader(name.replace('-', '_'), List.of())).as(name + " with _").isFalse();
            }
        }
    }

    @Test
    void otherUnderscoreNamesPassOnlyWhenAllowed() {
        assertThat(new ViewerFieldFilter(null, false).forwardsHeader("X_Custom", List.of())).isFalse();
        assertThat(new ViewerFieldFilter(null, true).forwardsHeader("X_Custom", List.of())).isTrue();
        assertThat(new ViewerFieldFilter(null, false).forwardsHeader("X-Custom", List.of())).isTrue();
    }

    @Test
    void namesTheConnectionHeaderDeclaresAreHopByHop() {
        assertThat(new ViewerFieldFilter(null, false).forwardsHeader("X-Private", List.of("x-private"))).isFalse();
    }

    @Test
    void trailersLoseProtectedAndFramingFields() {
        HttpHeaders in = new DefaultHttpHeaders(false)
                .add("CloudFront-Viewer-Cert-Present", "1").add("Content-Length", "9").add("Host", "evil")
                .add("Authorization", "x").add("X_Custom", "u").add("X-Checksum", "abc");
        HttpHeaders out = new ViewerFieldFilter(null, true).trailers(in);
        assertThat(out.names()).containsExactlyInAnyOrder("X_Custom", "X-Checksum");
    }
}
