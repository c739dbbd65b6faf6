package dev.portcullis.proxy.demo;

import dev.portcullis.proxy.origin.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small origin for the demo and the tests, speaking HTTP/1.1 and h2c (prior knowledge) on one
 * port. It answers every request with what it received: method, target, headers, and the body's
 * length and SHA-256, so a caller can see exactly what the edge forwarded. Special targets:
 * {@code /bytes/N} streams N bytes (with backpressure), {@code /status/N} answers status N,
 * {@code /delay/MS} answers after MS milliseconds, {@code /drop-if-reused/} closes a reused HTTP/1.1
 * connection without answering.
 *
 * <p>Over 250 lines: a whole small origin in one file (protocol sniffing, HTTP/1.1 and h2c, the
 * echo, the special targets, a request log to wait on), kept together because the demo and
 * every end-to-end test start it as one thing and users read it as the example origin.
 */
public final class EchoOrigin implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final RequestLog requests;

    private EchoOrigin(EventLoopGroup group, Channel channel, RequestLog requests) {
        this.group = group;
        this.channel = channel;
        this.requests = requests;
    }

    /** Waits until a request whose target starts with {@code prefix} has arrived (tests use it to know a request is in flight). */
    public boolean awaitRequest(String prefix, java.time.Duration timeout) throws InterruptedException {
        return requests.await(prefix, timeout);
    }

    /** The targets of the requests received so far, in order. */
    public java.util.List<String> requests() {
        return requests.targets();
    }

    static final class RequestLog {
        private final java.util.List<String> targets = new java.util.ArrayList<>();

        synchronized java.util.List<String> targets() {
            return java.util.List.copyOf(targets);
        }

        synchronized void add(String target) {
            targets.add(target);
            notifyAll();
        }

        synchronized boolean await(String prefix, java.time.Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (targets.stream().noneMatch(t -> t.startsWith(prefix))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    public static EchoOrigin start(InetSocketAddress address) throws InterruptedException {
        return start(address, null);
    }

    /**
     * With {@code tls} (a server context offering ALPN h2 and http/1.1) the origin speaks HTTPS; the
     * protocol is still told apart by the h2 preface, now after decryption.
     */
    public static EchoOrigin start(InetSocketAddress address, io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        RequestLog requests = new RequestLog();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("echo-origin", true),
                Transports.ioHandlerFactory());
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new ProtocolSniffer(requests));
                    }
                })
                .bind(address).sync().channel();
        return new EchoOrigin(group, channel, requests);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** h2c prior knowledge starts with the connection preface; anything else is HTTP/1.1. */
    private static final class ProtocolSniffer extends ByteToMessageDecoder {
        private final RequestLog requests;

        ProtocolSniffer(RequestLog requests) {
            this.requests = requests;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            try {
                int n = Math.min(in.readableBytes(), preface.readableBytes());
                boolean h2 = ByteBufUtil.equals(in, in.readerIndex(), preface, 0, n);
                if (h2 && n < preface.readableBytes()) {
                    return; // wait for more bytes
                }
                ChannelPipeline p = ctx.pipeline();
                if (h2) {
                    p.addAfter(ctx.name(), "h2", Http2FrameCodecBuilder.forServer().build());
                    p.addAfter("h2", "mux", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel stream) {
                            stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new EchoHandler(true, requests));
                        }
                    }));
                } else {
                    p.addAfter(ctx.name(), "http1", new HttpServerCodec());
                    p.addAfter("http1", "echo", new EchoHandler(false, requests));
                }
                p.remove(this);
            } finally {
                preface.release();
            }
        }
    }

    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        private final boolean http2;
        private final RequestLog requests;
        private HttpRequest request;
        private MessageDigest digest;
        private long bodyBytes;
        private ByteStreamer streamer;
        private int requestsOnConnection;
        /** The request's trailers, echoed as "trailer NAME: VALUE" lines. */
        private io.netty.handler.codec.http.HttpHeaders trailers;

        EchoHandler(boolean http2, RequestLog requests) {
            this.http2 = http2;
            this.requests = requests;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest r) {
                    request = r;
                    requests.add(r.uri());
                    bodyBytes = 0;
                    digest = sha256();
                }
                if (msg instanceof HttpContent content) {
                    bodyBytes += content.content().readableBytes();
                    digest.update(content.content().nioBuffer());
                    if (msg instanceof LastHttpContent last) {
                        trailers = last.trailingHeaders();
                        respond(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            String uri = request.uri();
            boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
            if (++requestsOnConnection > 1 && uri.contains("/drop-if-reused/")) {
                // Plays an origin whose keep-alive timeout closed the connection as the request arrived.
                ctx.close();
                return;
            }
            long streamed = numberAfter(uri, "/bytes/");
            if (streamed >= 0) {
                streamBytes(ctx, streamed, keepAlive);
                return;
            }
            HttpResponseStatus status = HttpResponseStatus.OK;
            long code = numberAfter(uri, "/status/");
            if (code >= 0) {
                status = HttpResponseStatus.valueOf((int) code);
            }
            StringBuilder body = new StringBuilder();
            body.append(request.method()).append(' ').append(uri).append(' ').append(http2 ? "HTTP/2" : request.protocolVersion()).append('\n');
            for (Map.Entry<String, String> h : request.headers()) {
                if (h.getKey().startsWith("x-http2-")) {
                    continue; // Netty's own markers from converting HTTP/2 to HTTP/1 objects here, not sent by the edge
                }
                body.append(h.getKey()).append(": ").append(h.getValue()).append('\n');
            }
            for (Map.Entry<String, String> t : trailers) {
                body.append("trailer ").append(t.getKey()).append(": ").append(t.getValue()).append('\n');
            }
            body.append("body-bytes: ").append(bodyBytes).append('\n');
            body.append("body-sha256: ").append(ByteBufUtil.hexDump(digest.digest())).append('\n');
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    ctx.alloc().buffer(bytes.length).writeBytes(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            long millis = numberAfter(uri, "/delay/");
            if (millis >= 0) {
                ctx.executor().schedule(() -> write(ctx, response, keepAlive), millis, TimeUnit.MILLISECONDS);
            } else {
                write(ctx, response, keepAlive);
            }
        }

        /** The number after {@code marker} anywhere in the path (so /h1/delay/5 works too), or -1. */
        private static long numberAfter(String uri, String marker) {
            int at = uri.indexOf(marker);
            if (at < 0) {
                return -1;
            }
            String rest = uri.substring(at + marker.length()).replaceAll("[^0-9].*$", "");
            return rest.isEmpty() ? -1 : Long.parseLong(rest);
        }

        private static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
            var f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** Streams {@code total} bytes in 16 KB chunks, writing the next only when the channel is writable. */
        private void streamBytes(ChannelHandlerContext ctx, long total, boolean keepAlive) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream").set(HttpHeaderNames.CONTENT_LENGTH, total);
            ctx.writeAndFlush(head);
            streamer = new ByteStreamer(ctx, total, keepAlive);
            streamer.run();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (streamer != null && !streamer.done() && ctx.channel().isWritable()) {
                streamer.run();
            }
            super.channelWritabilityChanged(ctx);
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class ByteStreamer implements Runnable {
        private static final int CHUNK = 16 * 1024;
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private long remaining;

        ByteStreamer(ChannelHandlerContext ctx, long total, boolean keepAlive) {
            this.ctx = ctx;
            this.remaining = total;
            this.keepAlive = keepAlive;
        }

        @Override
        public void run() {
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, remaining);
                ByteBuf chunk = ctx.alloc().buffer(n).writeZero(n);
                remaining -= n;
                ctx.write(new DefaultHttpContent(chunk));
            }
            if (remaining == 0) {
                var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            // Not writable: EchoHandler.channelWritabilityChanged resumes once the buffer drained.
            ctx.flush();
        }

        boolean done() {
            return remaining == 0;
        }
    }
}
