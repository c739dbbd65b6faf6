package dev.portcullis.loadgen;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One client connection and the last handler of its pipeline: {@code bytes, tls, [http codec, exchanger], connection}.
 * It installs the HTTP side once the handshake is done, turns exceptions into one classified {@link Failure},
 * and reports every outcome to its {@link Worker}. Everything runs on the channel's event loop.
 *
 * <p>The handshake counts as done when the first HTTP bytes arrive, not when the client's side of it ends:
 * in TLS 1.3 the server judges the client certificate after that, and may still answer with an alert.
 */
final class Connection extends ChannelInboundHandlerAdapter {
    private static final String CODEC = "http-codec";
    private static final String EXCHANGER = "exchanger";

    private final Worker worker;
    /** The one request of a new-connection-per-request connection, else null. */
    final Exchange dedicated;
    final boolean measured;
    private final long connectStart;
    private Channel channel;
    private Exchanger exchanger;
    private long handshakeNanos;
    private boolean ready;
    private boolean confirmed;
    private boolean closingByUs;
    private boolean finished;
    private boolean reported;
    private Failure failure;

    /** Worker bookkeeping: queued as possibly having a free slot (open loop). */
    boolean inAvailable;
    /** Worker bookkeeping for hold-idle: its request ended (held or given up). */
    boolean settled;
    boolean held;

    Connection(Worker worker, Exchange dedicated, long connectStart, boolean measured) {
        this.worker = worker;
        this.dedicated = dedicated;
        this.connectStart = connectStart;
        this.measured = measured;
    }

    ChannelInitializer<Channel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                SslHandler tls = worker.newSslHandler(ch);
                ch.pipeline().addLast("bytes", worker.byteCounter()).addLast("tls", tls).addLast("connection", Connection.this);
            }
        };
    }

    /** Called with the future of {@code bootstrap.connect}: remembers the channel and why connecting failed. */
    void connecting(ChannelFuture connect) {
        channel = connect.channel();
        // A channel that never became active gets no channelInactive: its end is the failed connect.
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                if (failure == null) {
                    failure = Failure.of(f.cause(), false);
                }
                finish();
            }
        });
    }

    /**
     * The end of a connected channel. Here and not on the close future: this handler is last, so the codecs
     * before it have already delivered what the close completes (an HTTP/1.0 body that ends at EOF).
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                handshakeNanos = System.nanoTime() - connectStart;
                startHttp(ctx);
            } else {
                fail(ctx, Failure.of(done.cause(), false));
            }
        }
        ReferenceCountUtil.release(event);
    }

    private void startHttp(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        String protocol = tls.applicationProtocol();
        ChannelPipeline pipeline = ctx.pipeline();
        RequestTemplate requests = worker.requests();
        if (worker.http2()) {
            if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                fail(ctx, new Failure(ErrorKind.PROTOCOL, "server did not negotiate h2 (ALPN: " + protocol + ")"));
                return;
            }
            Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().build();
            Http2Exchanger http2 = new Http2Exchanger(this, requests, codec);
            pipeline.addBefore(ctx.name(), CODEC, codec).addBefore(ctx.name(), EXCHANGER, http2);
            exchanger = http2;
        } else {
            Http1Exchanger http1 = new Http1Exchanger(this, requests);
            pipeline.addBefore(ctx.name(), CODEC, new HttpClientCodec()).addBefore(ctx.name(), EXCHANGER, http1);
            exchanger = http1;
        }
        ready = true;
        worker.ready(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg); // the exchanger consumes everything; nothing should get here
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, Failure.of(cause, confirmed));
    }

    private void fail(ChannelHandlerContext ctx, Failure why) {
        if (failure == null) {
            failure = why;
        }
        ctx.close();
    }

    /** The first HTTP message arrived: the server accepted the handshake. */
    void confirmed() {
        if (!confirmed) {
            confirmed = true;
            worker.handshake(this, handshakeNanos);
        }
    }

    boolean canSend() {
        return ready && !closingByUs && !finished && exchanger.acceptsMore()
                && exchanger.inFlight() < worker.slotsPerConnection();
    }

    int inFlight() {
        return exchanger == null ? 0 : exchanger.inFlight();
    }

    boolean ready() {
        return ready;
    }

    boolean acceptsMore() {
        return exchanger != null && exchanger.acceptsMore();
    }

    void send(Exchange exchange) {
        exchanger.send(exchange);
    }

    void responded(Exchange exchange, int status) {
        worker.responded(this, exchange, status, System.nanoTime());
    }

    void failed(Exchange exchange, Failure why) {
        reported = true;
        worker.failed(this, exchange, why);
    }

    void expire(long cutoffNanos) {
        if (exchanger != null) {
            exchanger.expire(cutoffNanos);
        }
    }

    ChannelFuture closeByUs() {
        closingByUs = true;
        return channel.close();
    }

    Channel channel() {
        return channel;
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        Failure why = failure != null ? failure : Failure.CLOSED;
        if (ready && !confirmed && worker.tls13() && why.kind() == ErrorKind.RESET) {
            // TLS 1.3: the server judges the client certificate after our side of the handshake ended, then
            // sends an alert and closes. When its close overtakes the request we already sent, the TCP reset
            // can destroy the alert before we read it. Dropped before any answer, it was a refused handshake.
            why = new Failure(ErrorKind.TLS_HANDSHAKE, "closed_without_alert");
        }
        if (exchanger != null) {
            exchanger.failAll(why);
        }
        if (dedicated != null && !ready && !closingByUs) {
            failed(dedicated, why);
        } else if (!confirmed && !reported && !closingByUs) {
            reported = true;
            worker.connectionFailed(this, why);
        }
        worker.closed(this);
    }
}
