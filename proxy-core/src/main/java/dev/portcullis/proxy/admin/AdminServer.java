package dev.portcullis.proxy.admin;

import dev.portcullis.proxy.origin.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.function.BooleanSupplier;
import dev.portcullis.config.AdminTls;
import dev.portcullis.kvs.LiveKeyValueStores;
import dev.portcullis.proxy.ConfigReloader;
import dev.portcullis.proxy.StartupException;

/**
 * The admin endpoint: {@code GET /healthz} (200 while the listener is up, 503 while draining),
 * {@code GET /metrics} (Prometheus text), {@code POST /reload} (200
 * {@code {"Version":N,"RestartRequiredFor":[...]}} or 422 {@code {"Problems":[...]}}),
 * {@code GET /config/status}, {@code GET /fleet/status} (with {@code fleet}: {@link FleetStatusAnswer})
 * and the KeyValueStore API ({@link KeyValueStoreApi}).
 * Plain HTTP only on a loopback address (the config refuses anything else without
 * {@code server.adminTls}); with {@code adminTls} every request, health and metrics included, needs
 * a client certificate from its CA bundle. One small event loop of its own, so a flood of viewers
 * never starves health checks.
 *
 * <p>Over 250 lines: its handler routes every admin path (health, metrics, reload, config and
 * fleet status, the KeyValueStore API) behind one TLS and loopback policy.
 */
public final class AdminServer implements AutoCloseable {
    /** Concurrent admin connections at most (health checkers, scrapers, an operator's CLI). */
    private static final int MAX_CONNECTIONS = 256;

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static AdminServer start(InetSocketAddress address, java.util.Optional<AdminTls> tls, EdgeMetrics metrics,
                                    BooleanSupplier healthy, ConfigReloader reloader, LiveKeyValueStores stores,
                                    java.util.Optional<dev.portcullis.fleet.EtcdFleet> fleet)
            throws InterruptedException, StartupException {
        io.netty.handler.ssl.SslContext sslContext = tls.isPresent() ? AdminTlsContext.build(tls.get()) : null;
        KeyValueStoreApi api = new KeyValueStoreApi(stores);
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        boolean plain = sslContext == null;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("portcullis-admin", true),
                Transports.ioHandlerFactory());
        try {
            Channel channel = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                                // a local flood of half-open admin connections must not eat the node's descriptors
                                open.decrementAndGet();
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> open.decrementAndGet());
                            // An admin connection idle (or trickling a request) for 30 s is closed.
                            ch.pipeline().addLast(new io.netty.handler.timeout.ReadTimeoutHandler(30));
                            if (sslContext != null) {
                                ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(new HttpServerCodec(), new AdminBodyLimit(),
                                    new HttpObjectAggregator(AdminBodyLimit.IMPORT_BYTES),
                                    new AdminHandler(metrics, healthy, reloader, api, plain, fleet));
                        }
                    })
                    .bind(address).sync().channel();
            return new AdminServer(group, channel);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final EdgeMetrics metrics;
        private final BooleanSupplier healthy;
        private final ConfigReloader reloader;
        private final KeyValueStoreApi api;

        private final boolean plain;
        private final java.util.Optional<dev.portcullis.fleet.EtcdFleet> fleet;

        AdminHandler(EdgeMetrics metrics, BooleanSupplier healthy, ConfigReloader reloader, KeyValueStoreApi api,
                     boolean plain, java.util.Optional<dev.portcullis.fleet.EtcdFleet> fleet) {
            this.fleet = fleet;
            this.metrics = metrics;
            this.healthy = healthy;
            this.reloader = reloader;
            this.api = api;
            this.plain = plain;
        }

        /**
         * On a plain (loopback) admin, only requests addressed to a loopback name: a web page the
         * operator visits cannot reach it through DNS rebinding (its Host would be the page's name).
         */
        private static boolean loopbackHost(FullHttpRequest request) {
            String host = request.headers().get(HttpHeaderNames.HOST);
            if (host == null) {
                return true; // HTTP/1.0 tools; a browser always sends Host
            }
            host = host.strip().toLowerCase(java.util.Locale.ROOT);
            if (host.startsWith("[")) {
                int end = host.indexOf(']');
                host = end < 0 ? host : host.substring(1, end);
            } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
                host = host.substring(0, host.indexOf(':'));
            }
            return host.equals("localhost") || host.endsWith(".localhost") || host.equals("::1")
                    || host.matches("127(\\.\\d{1,3}){3}");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A TLS client without a valid certificate, a reset: nothing to answer, one debug line.
            org.slf4j.LoggerFactory.getLogger("portcullis.admin").debug("admin connection from {} closed: {}",
                    ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        /** An answer is being built off this loop: later requests wait, so answers keep their order. */
        private boolean answering;
        private final java.util.ArrayDeque<FullHttpRequest> waiting = new java.util.ArrayDeque<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (answering) {
                waiting.add(request.retain()); // HTTP/1.1 pipelining: answered strictly in order
                return;
            }
            serve(ctx, request);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            FullHttpRequest r;
            while ((r = waiting.poll()) != null) {
                r.release();
            }
            super.channelInactive(ctx);
        }

        /** Writes {@code answer} when it is ready (on this loop), then serves what waited meanwhile. */
        private void answerLater(ChannelHandlerContext ctx, boolean keepAlive,
                                 java.util.concurrent.CompletableFuture<FullHttpResponse> answer) {
            answering = true;
            answer.whenComplete((response, error) -> ctx.executor().execute(() -> {
                FullHttpResponse out = error != null
                        ? json(HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("Message", String.valueOf(error)))
                        : response;
                var f = ctx.writeAndFlush(out);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
                answering = false;
                FullHttpRequest next;
                while (!answering && (next = waiting.poll()) != null) {
                    try {
                        serve(ctx, next);
                    } finally {
                        next.release();
                    }
                }
            }));
        }

        private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (plain && !loopbackHost(request)) {
                respond(ctx, request, json(HttpResponseStatus.FORBIDDEN,
                        Map.of("Message", "the admin API answers requests for a loopback host name only")));
                return;
            }
            String uri = request.uri();
            String path = dev.portcullis.config.RequestTarget.path(uri);
            FullHttpResponse response;
            if (path.startsWith(KeyValueStoreApi.PREFIX)) {
                answerLater(ctx, HttpUtil.isKeepAlive(request), api.handle(request).thenApply(answer -> {
                    FullHttpResponse out = json(HttpResponseStatus.valueOf(answer.status()), answer.body());
                    if (answer.etag() != null) {
                        out.headers().set(HttpHeaderNames.ETAG, answer.etag());
                    }
                    return out;
                }));
                return;
            }
            if (path.equals("/healthz")) {
                boolean up = healthy.getAsBoolean();
                response = text(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, up ? "ok\n" : "draining\n",
                        "text/plain; charset=utf-8");
            } else if (path.equals("/metrics")) {
                response = text(HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
            } else if (path.equals("/reload")) {
                if (!request.method().equals(io.netty.handler.codec.http.HttpMethod.POST)) {
                    respond(ctx, request, json(HttpResponseStatus.METHOD_NOT_ALLOWED, Map.of("Message", "POST /reload")));
                    return;
                }
                // Built on the reload thread; the answer is written back on this loop when it is done.
                answerLater(ctx, HttpUtil.isKeepAlive(request), reloader.reload().thenApply(result -> result.applied()
                        ? json(HttpResponseStatus.OK, Map.of("Version", result.version(),
                                "RestartRequiredFor", result.restartRequiredFor()))
                        : json(HttpResponseStatus.UNPROCESSABLE_ENTITY, Map.of("Problems", result.problems(),
                                "Version", result.version()))));
                return;
            } else if (path.equals("/fleet/status")) {
                if (fleet.isEmpty()) {
                    respond(ctx, request, json(HttpResponseStatus.NOT_FOUND,
                            Map.of("Message", "this node is not in a fleet (its config has no fleet section)")));
                    return;
                }
                answerLater(ctx, HttpUtil.isKeepAlive(request), FleetStatusAnswer.of(fleet.get())
                        .thenApply(body -> json(HttpResponseStatus.OK, body)));
                return;
            } else if (path.equals("/config/status")) {
                Map<String, Object> status = new java.util.LinkedHashMap<>();
                status.put("Version", reloader.version());
                status.put("StartedAt", reloader.loadedAt().toString());
                ConfigReloader.Result last = reloader.lastReload();
                if (last != null) {
                    status.put("LastReload", Map.of("Result", last.applied() ? "success" : "failure",
                            "At", last.at().toString(), "Problems", last.problems(),
                            "RestartRequiredFor", last.restartRequiredFor()));
                }
                response = json(HttpResponseStatus.OK, status);
            } else {
                response = text(HttpResponseStatus.NOT_FOUND, "not found\n", "text/plain; charset=utf-8");
            }
            respond(ctx, request, response);
        }

        private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
            var f = ctx.writeAndFlush(response);
            if (!HttpUtil.isKeepAlive(request)) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        static FullHttpResponse json(HttpResponseStatus status, Object body) {
            try {
                return text(status, JSON.writeValueAsString(body) + "\n", "application/json");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "{\"Message\":\"cannot encode\"}\n", "application/json");
            }
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    io.netty.buffer.Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return response;
        }
    }
}
