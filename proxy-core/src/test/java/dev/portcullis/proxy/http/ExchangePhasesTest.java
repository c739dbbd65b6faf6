package dev.portcullis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.Distribution;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.Origin;
import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.origin.OriginPool;
import dev.portcullis.proxy.tls.ConnectionState;
import dev.portcullis.proxy.tls.EngineBindings;
import dev.portcullis.proxy.tls.Generation;
import dev.portcullis.proxy.tls.GenerationBuilder;
import dev.portcullis.proxy.tls.ServedConnections;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each phase of an HTTP/1.1 exchange ({@link Exchange.Phase}) on in-memory channels: the viewer's
 * connection is an {@link EmbeddedChannel} carrying the node's own HTTP/1.1 pipeline, raw bytes in and
 * out; each origin channel is another, on which the test reads what the exchange sent and plays the
 * origin's codec (HttpObjects in). The generation is built from a real config; only the origin pool is
 * the test's. Time is the embedded loop's, moved by the test: no sleeps.
 */
class ExchangePhasesTest {
    @TempDir
    static Path dir;
    static EdgeConfig config;

    InMemoryOrigins origins;
    Generation generation;
    EmbeddedChannel viewer;
    List<ExchangeRecord> logged;

    @BeforeAll
    static void writeConfig() throws Exception {
        IssuedCertificate root = CertificateSpec.ca("CN=Phases Root,O=Portcullis Tests").selfSigned();
        IssuedCertificate.writeString(dir.resolve("root.pem"), root.certificatePem());
        CertificateSpec.server("CN=localhost", "localhost", "other.test").signedBy(root)
                .write(dir.resolve("server.pem"), dir.resolve("server.key"));
        config = ConfigLoader.parse("""
                server:
                  listen: 127.0.0.1:0
                trustStores:
                  - {id: ts1, caCertificatesBundle: root.pem}
                distributions:
                  - id: EPHASES
                    domainNames: [localhost]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: app, url: "http://127.0.0.1:9", connectTimeout: 2s, responseTimeout: 2s}
                    defaultCacheBehavior: {targetOriginId: app}
                  - id: EOTHER
                    domainNames: [other.test]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: other, url: "http://127.0.0.1:9"}
                    defaultCacheBehavior: {targetOriginId: other}
                """, dir);
    }

    @BeforeEach
    void connect() throws Exception {
        origins = new InMemoryOrigins();
        generation = new GenerationBuilder(new EngineBindings())
                .withOriginPools((Distribution d, Origin origin) -> origins.forOrigin(origin))
                .build(config, 1);
        logged = new CopyOnWriteArrayList<>();
        ConnectionObserver observer = new ConnectionObserver() {
            @Override
            public void exchangeEnded(ExchangeRecord exchange) {
                logged.add(exchange);
            }
        };
        ProxyServices services = new ProxyServices(observer, Duration.ofSeconds(60), config.server().limits());
        viewer = new EmbeddedChannel();
        ConnectionState state = ServedConnections.servedBy(generation, "localhost", viewer.eventLoop());
        viewer.attr(ConnectionState.KEY).set(state);
        new ViewerHttpInstaller(services).install(viewer.pipeline(), "http/1.1");
    }

    @AfterEach
    void close() {
        viewer.finishAndReleaseAll();
        origins.releaseAll();
        generation.close();
    }

    @Test
    void theRequestFilterAnswersAHostAnotherDistributionOwnsWithoutAnOrigin() {
        viewerSends("GET /x HTTP/1.1\r\nHost: other.test\r\n\r\n");

        assertThat(viewerReceived()).startsWith("HTTP/1.1 421 ");
        assertThat(origins.opened).isEmpty();
        assertThat(logged).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(421);
            assertThat(r.originId()).isNull();
        });
    }

    @Test
    void theRequestFilterRefusesTwoHostsWith400() {
        viewerSends("GET /x HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n");

        assertThat(viewerReceived()).startsWith("HTTP/1.1 400 ");
        assertThat(origins.opened).isEmpty();
    }

    @Test
    void theOriginRequestCarriesHeadAndBodyAndTheResponseGoesBack() {
        viewerSends("POST /upload?a=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");

        EmbeddedChannel origin = origins.only();
        HttpRequest head = origin.readOutbound();
        assertThat(head.method().name()).isEqualTo("POST");
        assertThat(head.uri()).isEqualTo("/upload?a=1");
        assertThat(head.headers().get("x-forwarded-for")).isEqualTo("127.0.0.1");
        ReferenceCountUtil.release(head);
        assertThat(bodySent(origin)).isEqualTo("hello");

        respond(origin, ok("done"));
        String received = viewerReceived();
        assertThat(received).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\ndone");
        assertThat(logged).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.originId()).isEqualTo("app");
            assertThat(r.requestBytes()).isEqualTo(5);
        });
        assertThat(origins.released).containsExactly(new Release(origin, true));
        assertThat(viewer.isOpen()).isTrue();
    }

    @Test
    void theResponseFilterHoldsTheHeadUntilTheOriginsReadEnds() {
        viewerSends("GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n");
        EmbeddedChannel origin = origins.only();
        drainRequest(origin);

        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 4);
        origin.writeOneInbound(head);
        origin.writeOneInbound(new DefaultHttpContent(ascii("ab")));
        assertThat(viewerReceived()).as("nothing before the origin's read ends").isEmpty();

        origin.flushInbound(); // the end of the origin read
        assertThat(viewerReceived()).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nab");

        respond(origin, new DefaultLastHttpContent(ascii("cd")));
        assertThat(viewerReceived()).isEqualTo("cd");
        assertThat(logged).singleElement().satisfies(r -> assertThat(r.responseBytes()).isEqualTo(4));
    }

    @Test
    void aBrokenBodyInTheSameReadAsTheHeadBecomesA502NotA200() {
        viewerSends("GET /broken HTTP/1.1\r\nHost: localhost\r\n\r\n");
        EmbeddedChannel origin = origins.only();
        drainRequest(origin);

        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        HttpContent bad = new DefaultHttpContent(Unpooled.EMPTY_BUFFER);
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad chunk size")));
        origin.writeOneInbound(head);
        origin.writeOneInbound(bad); // in the same read: the origin channel is closed at once

        String received = viewerReceived();
        assertThat(received).startsWith("HTTP/1.1 502 ").doesNotContain("200");
        assertThat(origins.released).containsExactly(new Release(origin, false));
        assertThat(logged).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(502));
    }

    @Test
    void pipelinedRequestsReachTheOriginOneAtATimeAndAreAnsweredInOrder() {
        viewerSends("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b HTTP/1.1\r\nHost: localhost\r\n\r\n");

        EmbeddedChannel first = origins.only();
        assertThat(drainRequest(first)).isEqualTo("/a");
        assertThat(origins.opened).as("/b waits for /a's response").hasSize(1);

        respond(first, ok("A"));
        assertThat(origins.opened).hasSize(2);
        EmbeddedChannel second = origins.opened.get(1);
        assertThat(drainRequest(second)).isEqualTo("/b");
        respond(second, ok("B"));

        String received = viewerReceived();
        assertThat(received).matches("(?s)HTTP/1.1 200 .*\r\n\r\nAHTTP/1.1 200 .*\r\n\r\nB");
        assertThat(logged).extracting(ExchangeRecord::uri).containsExactly("/a", "/b");
    }

    @Test
    void expect100ContinueIsAnsweredByTheNodeAndNotForwarded() {
        viewerSends("POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

        assertThat(viewerReceived()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        EmbeddedChannel origin = origins.only();
        HttpRequest head = origin.readOutbound();
        assertThat(head.headers().contains(HttpHeaderNames.EXPECT)).isFalse();
        ReferenceCountUtil.release(head);

        viewerSends("hello");
        assertThat(bodySent(origin)).isEqualTo("hello");
        respond(origin, ok("thanks"));
        assertThat(viewerReceived()).startsWith("HTTP/1.1 200 ").endsWith("thanks");
    }

    @Test
    void aResponseBeforeTheBodyEndedEndsTheExchangeAndTheRestNeverReachesTheOrigin() {
        viewerSends("POST /too-big HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhello");
        EmbeddedChannel origin = origins.only();
        drainRequest(origin);
        assertThat(bodySent(origin)).isEqualTo("hello");

        DefaultFullHttpResponse tooLarge = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.EMPTY_BUFFER);
        tooLarge.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        respond(origin, tooLarge);

        assertThat(viewerReceived()).startsWith("HTTP/1.1 413 ");
        assertThat(logged).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(413));
        // the rest of the body could not be told from a next request: the origin connection is not reused
        // and the viewer's is closed once the answer is out
        assertThat(origins.released).containsExactly(new Release(origin, false));
        assertThat(origin.isOpen()).isFalse();
        assertThat(viewer.isOpen()).isFalse();
        assertThat((Object) origin.readOutbound()).isNull();
    }

    @Test
    void theBodyWaitsWhileTheOriginConnectsAndGoesOutWithTheHead() {
        origins.holdConnects = true;
        viewerSends("POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nab");
        assertThat(origins.opened).isEmpty();
        assertThat(viewer.config().isAutoRead()).as("no reading while the body has nowhere to go").isFalse();

        EmbeddedChannel origin = origins.connectHeld();
        assertThat(viewer.config().isAutoRead()).isTrue();
        assertThat(drainRequest(origin)).isEqualTo("/slow");
        assertThat(bodySent(origin)).isEqualTo("ab");
        viewerSends("c");
        assertThat(bodySent(origin)).isEqualTo("c");
    }

    @Test
    void anOriginThatDoesNotAnswerInItsResponseTimeoutGets504() {
        viewerSends("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
        EmbeddedChannel origin = origins.only();
        drainRequest(origin);

        viewer.advanceTimeBy(1, TimeUnit.SECONDS);
        viewer.runScheduledPendingTasks();
        assertThat(viewerReceived()).as("the origin's responseTimeout is 2 s").isEmpty();

        viewer.advanceTimeBy(1100, TimeUnit.MILLISECONDS);
        viewer.runScheduledPendingTasks();
        assertThat(viewerReceived()).startsWith("HTTP/1.1 504 ");
        assertThat(origins.released).containsExactly(new Release(origin, false));
    }

    @Test
    void aPooledConnectionTheOriginClosedIsRetriedOnceOnAFreshOne() {
        origins.firstIsPooled = true;
        viewerSends("GET /retry HTTP/1.1\r\nHost: localhost\r\n\r\n");
        EmbeddedChannel stale = origins.only();
        drainRequest(stale);

        stale.close(); // the origin's keep-alive timeout raced our request
        assertThat(origins.opened).hasSize(2);
        EmbeddedChannel fresh = origins.opened.get(1);
        assertThat(drainRequest(fresh)).isEqualTo("/retry");
        respond(fresh, ok("again"));
        assertThat(viewerReceived()).startsWith("HTTP/1.1 200 ").endsWith("again");

        // only a pooled connection is retried: a fresh one that closes is the origin's 502
        viewerSends("GET /retry2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        EmbeddedChannel third = origins.opened.get(2);
        drainRequest(third);
        third.close();
        assertThat(viewerReceived()).startsWith("HTTP/1.1 502 ");
    }

    // --- helpers ---

    private void viewerSends(String text) {
        viewer.writeInbound(ascii(text));
    }

    /** Everything the viewer's connection wrote since the last call, as text. */
    private String viewerReceived() {
        StringBuilder text = new StringBuilder();
        for (ByteBuf b; (b = viewer.readOutbound()) != null; ) {
            text.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return text.toString();
    }

    /** The request head the origin got (released); returns its target. */
    private static String drainRequest(EmbeddedChannel origin) {
        Object head = origin.readOutbound();
        assertThat(head).isInstanceOf(HttpRequest.class);
        String uri = ((HttpRequest) head).uri();
        ReferenceCountUtil.release(head);
        return uri;
    }

    /** The body parts the origin got, up to the last one, as text (released). */
    private static String bodySent(EmbeddedChannel origin) {
        StringBuilder body = new StringBuilder();
        for (Object part; (part = origin.readOutbound()) != null; ) {
            assertThat(part).isInstanceOf(HttpContent.class);
            body.append(((HttpContent) part).content().toString(StandardCharsets.ISO_8859_1));
            boolean last = part instanceof LastHttpContent;
            ReferenceCountUtil.release(part);
            if (last) {
                break;
            }
        }
        return body.toString();
    }

    /** The origin's codec delivers {@code message} and its read ends. */
    private static void respond(EmbeddedChannel origin, Object message) {
        origin.writeInbound(message);
    }

    private static DefaultFullHttpResponse ok(String body) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                ascii(body));
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return response;
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    record Release(Channel channel, boolean reusable) {
    }

    /**
     * The test's origin pool: every acquire opens a new in-memory channel (or, with {@code holdConnects},
     * one the test connects later); releases are recorded, and a channel not reusable is closed.
     */
    static final class InMemoryOrigins {
        final List<EmbeddedChannel> opened = new ArrayList<>();
        final List<Release> released = new ArrayList<>();
        boolean holdConnects;
        boolean firstIsPooled;
        private Promise<Channel> held;

        OriginPool forOrigin(Origin origin) {
            return new OriginPool() {
                @Override
                public Origin origin() {
                    return origin;
                }

                @Override
                public Future<Channel> acquire(EventLoop loop) {
                    if (holdConnects) {
                        held = loop.newPromise();
                        return held;
                    }
                    return loop.newSucceededFuture(open());
                }

                @Override
                public Future<Channel> acquireFresh(EventLoop loop) {
                    return loop.newSucceededFuture(open());
                }

                @Override
                public boolean wasPooled(Channel channel) {
                    return firstIsPooled && !opened.isEmpty() && channel == opened.get(0);
                }

                @Override
                public void release(Channel channel, boolean reusable) {
                    released.add(new Release(channel, reusable));
                    if (!reusable) {
                        channel.close();
                    }
                }

                @Override
                public void closeAll() {
                }
            };
        }

        EmbeddedChannel only() {
            assertThat(opened).hasSize(1);
            return opened.get(0);
        }

        /** The held acquire succeeds now, with a new channel. */
        EmbeddedChannel connectHeld() {
            EmbeddedChannel channel = open();
            held.setSuccess(channel);
            return channel;
        }

        private EmbeddedChannel open() {
            EmbeddedChannel channel = new EmbeddedChannel();
            opened.add(channel);
            return channel;
        }

        void releaseAll() {
            opened.forEach(EmbeddedChannel::finishAndReleaseAll);
        }
    }
}
