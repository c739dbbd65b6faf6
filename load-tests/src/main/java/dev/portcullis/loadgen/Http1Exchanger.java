package dev.portcullis.loadgen;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/** HTTP/1.1 with keep-alive: one request at a time, the next once the last byte of the response arrived. */
final class Http1Exchanger extends ChannelInboundHandlerAdapter implements Exchanger {
    private final Connection connection;
    private final RequestTemplate requests;
    private ChannelHandlerContext ctx;
    private Exchange current;
    private boolean keepAlive = true;

    Http1Exchanger(Connection connection, RequestTemplate requests) {
        this.connection = connection;
        this.requests = requests;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void send(Exchange exchange) {
        current = exchange;
        ctx.writeAndFlush(requests.http1()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        try {
            connection.confirmed();
            if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
                end(new Failure(ErrorKind.PROTOCOL, "bad HTTP/1.1 response: " + http.decoderResult().cause().getMessage()));
                connection.closeByUs();
                return;
            }
            if (msg instanceof HttpResponse response) {
                keepAlive = HttpUtil.isKeepAlive(response);
                if (current != null) {
                    current.status = response.status().code();
                }
            }
            if (msg instanceof LastHttpContent && current != null) {
                Exchange done = current;
                current = null;
                connection.responded(done, done.status);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public int inFlight() {
        return current == null ? 0 : 1;
    }

    @Override
    public boolean acceptsMore() {
        return keepAlive;
    }

    @Override
    public void failAll(Failure failure) {
        end(failure);
    }

    @Override
    public void expire(long cutoffNanos) {
        if (current != null && current.start - cutoffNanos < 0) {
            end(Failure.TIMEOUT);
            connection.closeByUs(); // HTTP/1.1 cannot give up on a request and keep the connection
        }
    }

    private void end(Failure failure) {
        if (current != null) {
            Exchange failed = current;
            current = null;
            connection.failed(failed, failure);
        }
    }
}
