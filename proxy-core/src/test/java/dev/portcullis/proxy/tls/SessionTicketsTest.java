package dev.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key rotation is what bounds a ticket's life: BoringSSL itself accepts a TLS 1.3 ticket for two days
 * (its PSK-DHE timeout, which netty-tcnative does not expose), so a ticket must stop resuming once the key
 * that made it has been rotated out. A real BoringSSL server and the real {@code openssl s_client}.
 */
class SessionTicketsTest {
    @TempDir
    Path dir;

    private final SessionTickets tickets = new SessionTickets();
    private EventLoopGroup group;
    private Channel listener;
    private SslContext context;

    @BeforeEach
    void serve() throws Exception {
        SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
        context = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.3").build();
        tickets.install(context, "EDIST1");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc()), new AnswerOnce());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aTicketResumesAfterOneRotationAndNotAfterTwo() throws Exception {
        Path session = dir.resolve("session.pem");
        assertThat(connect("-sess_out", session)).contains("New, TLSv1.3");

        tickets.rotate(); // the ticket's key now only decrypts
        String afterOne = connect("-sess_in", session);
        assertThat(afterOne).as(afterOne).contains("Reused, TLSv1.3");

        tickets.rotate(); // and now it is gone
        String afterTwo = connect("-sess_in", session);
        assertThat(afterTwo).as(afterTwo).contains("New, TLSv1.3").doesNotContain("Reused");
    }

    @Test
    void aTicketOfAnotherDistributionsKeysDoesNotResume() throws Exception {
        Path session = dir.resolve("session.pem");
        assertThat(connect("-sess_out", session)).contains("New, TLSv1.3");
        tickets.install(context, "EDIST2"); // the same context, now with the other distribution's keys
        assertThat(connect("-sess_in", session)).contains("New, TLSv1.3").doesNotContain("Reused");
    }

    private String connect(String sessionFlag, Path session) throws IOException, InterruptedException {
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        Process p = new ProcessBuilder(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", "localhost", "-tls1_3", "-ign_eof", sessionFlag, session.toString()))
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(text).as(text).contains("answered");
        return text;
    }

    /** Writes one line once the handshake is done, then closes: s_client reads the tickets on the way. */
    private static final class AnswerOnce extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                ctx.writeAndFlush(Unpooled.copiedBuffer("answered\n", StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
