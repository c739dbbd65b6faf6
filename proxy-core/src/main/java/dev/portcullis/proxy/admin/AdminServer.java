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
import java.util.function.BooleanSupplier;

/**
 * Plain-HTTP admin endpoint, meant for loopback or a private network: {@code GET /healthz}
 * (200 while the listener is up, 503 while draining) and {@code GET /metrics} (Prometheus text).
 * One small event loop of its own, so a flood of viewers never starves health checks.
 */
public final class AdminServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static AdminServer start(InetSocketAddress address, EdgeMetrics metrics, BooleanSupplier healthy)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("portcullis-admin", true),
                Transports.ioHandlerFactory());
        try {
            Channel channel = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                    new AdminHandler(metrics, healthy));
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

    private static final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final EdgeMetrics metrics;
        private final BooleanSupplier healthy;

        AdminHandler(EdgeMetrics metrics, BooleanSupplier healthy) {
            this.metrics = metrics;
            this.healthy = healthy;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri();
            FullHttpResponse response;
            if (path.equals("/healthz")) {
                boolean up = healthy.getAsBoolean();
                response = text(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, up ? "ok\n" : "draining\n",
                        "text/plain; charset=utf-8");
            } else if (path.equals("/metrics")) {
                response = text(HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
            } else {
                response = text(HttpResponseStatus.NOT_FOUND, "not found\n", "text/plain; charset=utf-8");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            var f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse text(HttpResponseStatus status, String body, String type) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    io.netty.buffer.Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return response;
        }
    }
}
