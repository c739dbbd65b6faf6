package dev.portcullis.proxy.origin;

import dev.portcullis.config.Origin;
import dev.portcullis.config.OriginProtocol;
import dev.portcullis.proxy.HandlerNames;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections to one origin, pooled per event loop so a viewer's exchange uses a connection of its
 * own loop and no lock is ever taken: HTTP/1.1 connections are exclusive to one exchange and go back
 * to the pool when the response ended with keep-alive; an HTTP/2 connection (h2c, or https where
 * ALPN chose h2) is shared, one stream per exchange. What {@link #acquire} hands out always speaks
 * Netty's HttpObject messages, so the proxy relays HTTP/1.1 and HTTP/2 origins the same way.
 *
 * <p>Over 250 lines: most of it is {@code LoopPool}, whose idle connections, connects in
 * progress and waiters for a shared HTTP/2 connection are one loop's state; the HTTP/1.1 and
 * HTTP/2 pipelines it builds are a few lines each.
 */
public final class OriginClient implements OriginPool {
    private static final int MAX_IDLE_PER_LOOP = 256;
    private static final int HTTP2_WINDOW = 1 << 20;

    private final Origin origin;
    private final SslContext tls;
    private final Map<EventLoop, LoopPool> pools = new ConcurrentHashMap<>();

    /** @param tls client TLS context for https origins (ALPN h2, http/1.1), else null */
    public OriginClient(Origin origin, SslContext tls) {
        this.origin = origin;
        this.tls = tls;
    }

    @Override
    public Origin origin() {
        return origin;
    }

    @Override
    public Future<Channel> acquire(EventLoop loop) {
        return pools.computeIfAbsent(loop, LoopPool::new).acquire();
    }

    @Override
    public Future<Channel> acquireFresh(EventLoop loop) {
        LoopPool pool = pools.computeIfAbsent(loop, LoopPool::new);
        return origin.protocol() == OriginProtocol.HTTP1 ? pool.connect() : pool.acquire();
    }

    /** An HTTP/1.1 exchange channel may have come out of the idle pool; an HTTP/2 stream never does. */
    @Override
    public boolean wasPooled(Channel channel) {
        return !(channel instanceof Http2StreamChannel) && channel.attr(Transports.POOLED).get() != null;
    }

    @Override
    public void release(Channel channel, boolean reusable) {
        if (channel instanceof Http2StreamChannel) {
            if (!reusable) {
                channel.close();
            }
            return;
        }
        LoopPool pool = pools.get(channel.eventLoop());
        if (reusable && pool != null && channel.isActive()) {
            // Pooled only after the read that ended the response is done: bytes the origin sent
            // after it in the same read reach the unsolicited guard (which closes the connection)
            // instead of a pipelined request that would otherwise take the connection at once.
            channel.eventLoop().execute(() -> {
                if (reusable(channel)) {
                    pool.offerIdle(channel);
                } else {
                    channel.close();
                }
            });
        } else {
            channel.close();
        }
    }

    /** Open, and holding no bytes beyond the responses it delivered (see {@link OriginHttp1Codec}). */
    private static boolean reusable(Channel channel) {
        OriginHttp1Codec codec = channel.pipeline().get(OriginHttp1Codec.class);
        return channel.isActive() && (codec == null || !codec.holdsUndecodedBytes());
    }

    /** Closes every pooled connection (shutdown, or the generation closed). */
    @Override
    public void closeAll() {
        pools.values().forEach(pool -> pool.loop.execute(pool::closeAll));
    }

    private final class LoopPool {
        private final EventLoop loop;
        private final ArrayDeque<Channel> idleHttp1 = new ArrayDeque<>();
        /** Shared HTTP/2 connections; another is opened when all are at the origin's stream limit. */
        private final ArrayDeque<Channel> http2Parents = new ArrayDeque<>(1);
        private Future<Channel> http2Connecting;

        LoopPool(EventLoop loop) {
            this.loop = loop;
        }

        Future<Channel> acquire() {
            Channel parent = usableHttp2Parent();
            if (parent != null) {
                return openStream(parent);
            }
            Channel idle;
            while ((idle = idleHttp1.pollLast()) != null) {
                if (reusable(idle)) {
                    return loop.newSucceededFuture(idle);
                }
                idle.close();
            }
            if (http2Connecting != null && origin.protocol() != OriginProtocol.HTTP1) {
                // Another exchange is already connecting the shared HTTP/2 connection: wait for it.
                Promise<Channel> promise = loop.newPromise();
                http2Connecting.addListener(f -> acquire().addListener(s -> complete(promise, s)));
                return promise;
            }
            return connect();
        }

        Future<Channel> connect() {
            Promise<Channel> connected = loop.newPromise();
            Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .channel(Transports.socketChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) origin.connectTimeout().toMillis())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(HandlerNames.ORIGIN_TLS,
                                        tls.newHandler(ch.alloc(), sniName(), origin.port()));
                            } else if (origin.protocol() == OriginProtocol.H2C) {
                                addHttp2(ch.pipeline());
                            } else {
                                addHttp1(ch.pipeline());
                            }
                        }
                    });
            ChannelFuture connect = bootstrap.connect(origin.host(), origin.port());
            boolean multiplexed = origin.protocol() != OriginProtocol.HTTP1;
            Promise<Channel> ready = loop.newPromise();
            if (multiplexed) {
                http2Connecting = ready;
            }
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    ready.tryFailure(f.cause());
                    return;
                }
                Channel ch = connect.channel();
                if (tls == null) {
                    ready.trySuccess(ch);
                    return;
                }
                SslHandler ssl = ch.pipeline().get(SslHandler.class);
                ssl.handshakeFuture().addListener(h -> {
                    if (!h.isSuccess()) {
                        ready.tryFailure(h.cause());
                        return;
                    }
                    if (ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                        addHttp2(ch.pipeline());
                    } else {
                        addHttp1(ch.pipeline());
                    }
                    ready.trySuccess(ch);
                });
            });
            ready.addListener(f -> {
                if (http2Connecting == ready) {
                    http2Connecting = null;
                }
                if (!f.isSuccess()) {
                    connected.tryFailure(f.cause());
                    return;
                }
                Channel ch = (Channel) f.getNow();
                if (ch.pipeline().get(Http2MultiplexHandler.class) != null) {
                    http2Parents.add(ch);
                    ch.closeFuture().addListener(c -> http2Parents.remove(ch));
                    openStream(ch).addListener(s -> complete(connected, s));
                } else {
                    connected.trySuccess(ch);
                }
            });
            return connected;
        }

        /** An open HTTP/2 connection that may start another stream (below SETTINGS_MAX_CONCURRENT_STREAMS, no GOAWAY). */
        private Channel usableHttp2Parent() {
            for (Channel parent : http2Parents) {
                Http2FrameCodec codec = parent.pipeline().get(Http2FrameCodec.class);
                if (parent.isActive() && codec != null && !codec.connection().goAwayReceived()
                        && codec.connection().local().canOpenStream()) {
                    return parent;
                }
            }
            return null;
        }

        private Future<Channel> openStream(Channel parent) {
            Promise<Channel> promise = loop.newPromise();
            new Http2StreamChannelBootstrap(parent)
                    .handler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel ch) {
                            ch.pipeline().addLast(HandlerNames.ORIGIN_CODEC, new Http2StreamFrameToHttpObjectCodec(false));
                        }
                    })
                    .open()
                    .addListener(f -> complete(promise, f));
            return promise;
        }

        void offerIdle(Channel channel) {
            if (idleHttp1.size() >= MAX_IDLE_PER_LOOP) {
                channel.close();
                return;
            }
            idleHttp1.addLast(channel);
            if (channel.attr(Transports.POOLED).getAndSet(Boolean.TRUE) == null) {
                channel.closeFuture().addListener(f -> idleHttp1.remove(channel));
            }
        }

        void closeAll() {
            // copies first: a close runs the channel's close listener at once, which removes it from the pool
            java.util.List<Channel> idle = java.util.List.copyOf(idleHttp1);
            java.util.List<Channel> parents = java.util.List.copyOf(http2Parents);
            idleHttp1.clear();
            http2Parents.clear();
            idle.forEach(Channel::close);
            parents.forEach(Channel::close);
        }
    }

    private String sniName() {
        return origin.serverName().orElse(origin.host());
    }

    private static void addHttp1(ChannelPipeline pipeline) {
        pipeline.addLast(HandlerNames.ORIGIN_CODEC, new OriginHttp1Codec());
        pipeline.addLast(HandlerNames.ORIGIN_UNSOLICITED, UNSOLICITED);
    }

    /**
     * Last on an HTTP/1.1 origin connection; an exchange's relay sits in front of it and consumes
     * what belongs to the exchange. Anything that reaches it came when no request was waiting (bytes
     * after a complete response, a body on a 204): the connection is out of step with its requests
     * and would hand the next viewer someone else's response, so it is closed, never reused.
     */
    private static final ChannelHandler UNSOLICITED = new UnsolicitedResponses();

    @ChannelHandler.Sharable
    private static final class UnsolicitedResponses extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void addHttp2(ChannelPipeline pipeline) {
        // Many viewer exchanges share this connection and each flushes its request: the ones from
        // the same event-loop turn leave in one write.
        pipeline.addLast(HandlerNames.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
        pipeline.addLast(HandlerNames.ORIGIN_CODEC, Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(HTTP2_WINDOW))
                .autoAckPingFrame(true)
                .build());
        pipeline.addLast(HandlerNames.ORIGIN_MULTIPLEX, new Http2MultiplexHandler(IGNORE_PUSHED_STREAMS));
    }

    /** Origins cannot push (we never enable it); any inbound stream is ignored. */
    private static final ChannelHandler IGNORE_PUSHED_STREAMS = new IgnoreInbound();

    @ChannelHandler.Sharable
    private static final class IgnoreInbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    @SuppressWarnings("unchecked")
    private static void complete(Promise<Channel> promise, Future<?> future) {
        if (future.isSuccess()) {
            promise.trySuccess((Channel) future.getNow());
        } else {
            promise.tryFailure(future.cause());
        }
    }
}
