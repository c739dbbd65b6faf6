package dev.portcullis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The idle timeout of an HTTP/2 connection counts time without an open stream, not time without a
 * byte: a client sending a PING every few seconds (which a byte-level idle timer counts as activity)
 * would otherwise hold a connection, and its slot under the connection limits, for ever. Stream
 * channels report themselves as they open and close (all on the connection's event loop); a check
 * every quarter of the timeout closes the connection once none has been open for the whole of it.
 */
final class Http2StreamsIdle extends ChannelInboundHandlerAdapter {
    private final long idleNanos;
    private int openStreams;
    private long idleSince = System.nanoTime();
    private ScheduledFuture<?> check;

    Http2StreamsIdle(long idleMillis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), idleNanos / 4);
        check = ctx.executor().scheduleAtFixedRate(() -> closeIfIdle(ctx), period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        check.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.cancel(false);
    }

    /** Called by the stream initializer on the connection's event loop. */
    void streamOpened(Channel stream) {
        openStreams++;
        stream.closeFuture().addListener(f -> {
            if (--openStreams == 0) {
                idleSince = System.nanoTime();
            }
        });
    }

    private void closeIfIdle(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            check.cancel(false);
        } else if (openStreams == 0 && System.nanoTime() - idleSince >= idleNanos) {
            ctx.close(); // the frame codec sends GOAWAY first
        }
    }
}
