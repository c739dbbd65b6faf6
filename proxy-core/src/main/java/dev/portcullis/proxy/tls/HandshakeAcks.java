package dev.portcullis.proxy.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * While the handshake runs, acknowledges what the client sends at once instead of after Linux's
 * delayed-ACK timer (40 ms at least); out of the pipeline once the handshake has finished.
 *
 * <p>Why: after its flight the server waits for the client's, so the kernel, in its "pingpong" mode
 * since the server answered the ClientHello, holds each ACK hoping to piggyback it. A client that
 * keeps Nagle on (ab, the JDK's sockets, many embedded and IoT stacks) cannot send a small segment
 * while one is unacknowledged: the JDK writes its ChangeCipherSpec on its own and then waits with
 * its Certificate; ab writes its first request right after its Finished and waits with that (in TLS
 * 1.3 the node sends nothing after the client's Finished: no session tickets unless resumption is
 * on). Every such connection stalled 40-45 ms (ab -c 1 measured 44 ms per request, curl, which sets
 * TCP_NODELAY, 8 ms). {@code TCP_QUICKACK} leaves pingpong mode and sends a pending ACK now. The
 * kernel re-enters the mode whenever the server sends soon after receiving (its flight, written
 * while the ClientHello is read; or the rest of a flight larger than the congestion window, which
 * the kernel sends on its own later), so it is set at the end of each read of the handshake (the
 * flight has gone out by then, and an ACK still pending goes out at once) and once more when the
 * handshake has finished, since this handler has left the pipeline before that last read ends: two
 * setsockopt calls for most connections, which a client cannot multiply beyond the reads it makes
 * the node do anyway. (After each flush as well would add a third and gain nothing: the handshake's
 * flushes happen inside its reads.)
 */
@ChannelHandler.Sharable
public final class HandshakeAcks extends ChannelInboundHandlerAdapter {
    public static final HandshakeAcks INSTANCE = new HandshakeAcks();

    private HandshakeAcks() {
    }

    /** Only the NIO transport touches jdk.net, so a runtime without that module still serves on epoll. */
    private static final class Nio {
        static final io.netty.channel.ChannelOption<Boolean> QUICKACK =
                NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_QUICKACK);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        now(ctx.channel());
        ctx.fireChannelReadComplete();
    }

    /** The handshake finished: acknowledge the client's last flight now, and stop watching. */
    static void handshakeFinished(ChannelPipeline pipeline) {
        now(pipeline.channel());
        if (pipeline.context(INSTANCE) != null) {
            pipeline.remove(INSTANCE);
        }
    }

    private static void now(Channel channel) {
        if (!channel.isActive()) {
            return;
        }
        if (channel instanceof EpollSocketChannel) {
            channel.config().setOption(EpollChannelOption.TCP_QUICKACK, true);
        } else if (channel instanceof NioSocketChannel) {
            channel.config().setOption(Nio.QUICKACK, true); // false where the platform has no such option
        }
    }
}
