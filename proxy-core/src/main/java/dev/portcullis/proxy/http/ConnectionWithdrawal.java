package dev.portcullis.proxy.http;

import dev.portcullis.proxy.HandlerNames;
import dev.portcullis.proxy.tls.ConnectionState;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * Ends an established connection that a re-check refused, on its event loop: it takes no new
 * request from now on, and is closed within {@link #GRACE_MILLIS}. HTTP/2 gets a GOAWAY (streams
 * already open may finish in that time) and is closed as soon as none is open; HTTP/1.1 is closed
 * at once when idle, else after the response in flight (which carries {@code Connection: close}
 * unless its head was already sent). The TLS close_notify gets 50 ms, so a client that stopped
 * reading cannot stretch the close.
 */
public final class ConnectionWithdrawal {
    /** How long a response in flight may take before the connection is cut anyway. */
    public static final long GRACE_MILLIS = 900;

    private ConnectionWithdrawal() {
    }

    /** @return false if the connection was already closed or withdrawn */
    public static boolean withdraw(Channel channel, ConnectionState state, String reason) {
        if (!channel.isActive() || !state.withdraw(reason)) {
            return false;
        }
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(SslHandler.class) instanceof SslHandler ssl) {
            // A client that stopped reading must not hold the close past the grace period.
            ssl.setCloseNotifyFlushTimeoutMillis(50);
            ssl.setCloseNotifyReadTimeoutMillis(0);
        }
        ChannelHandler http2 = pipeline.get(HandlerNames.HTTP2_CODEC);
        if (http2 instanceof Http2FrameCodec codec) {
            boolean idle = codec.connection().numActiveStreams() == 0;
            var sent = channel.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
            if (idle) {
                sent.addListener(ChannelFutureListener.CLOSE);
            } else {
                codec.connection().addListener(new Http2ConnectionAdapter() {
                    @Override
                    public void onStreamClosed(Http2Stream stream) {
                        if (codec.connection().numActiveStreams() == 0) {
                            channel.close(); // the last stream in flight has finished
                        }
                    }
                });
            }
        } else if (pipeline.get(HandlerNames.PROXY) instanceof ProxyHandler proxy && proxy.idle()) {
            channel.close();
        }
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, GRACE_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }
}
