package dev.portcullis.loadgen;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP/2 on the frame codec directly (no child channel per stream): each request is a stream, up to
 * {@code --streams} at once and never more than the server's SETTINGS_MAX_CONCURRENT_STREAMS.
 */
final class Http2Exchanger extends Http2ChannelDuplexHandler implements Exchanger {
    private final Connection connection;
    private final RequestTemplate requests;
    private final Http2FrameCodec codec;
    private final Map<Http2FrameStream, Exchange> streams = new HashMap<>();
    private ChannelHandlerContext ctx;
    private boolean goAway;
    private boolean flushNeeded;

    Http2Exchanger(Connection connection, RequestTemplate requests, Http2FrameCodec codec) {
        this.connection = connection;
        this.requests = requests;
        this.codec = codec;
    }

    @Override
    protected void handlerAdded0(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void send(Exchange exchange) {
        Http2FrameStream stream = newStream();
        streams.put(stream, exchange);
        boolean body = requests.hasBody();
        ChannelFuture headers = ctx.write(new DefaultHttp2HeadersFrame(requests.http2(), !body).stream(stream));
        headers.addListener(f -> writeDone(stream, f.cause()));
        if (body) {
            ctx.write(new DefaultHttp2DataFrame(requests.body(), true).stream(stream))
                    .addListener(f -> writeDone(stream, f.cause()));
        }
        ctx.flush();
    }

    private void writeDone(Http2FrameStream stream, Throwable cause) {
        if (cause != null) {
            // Later, not now: a write can fail inside send(), and failing here would start the next send inside it.
            ctx.executor().execute(() -> end(stream, Failure.of(cause, true)));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        try {
            connection.confirmed();
            if (msg instanceof Http2HeadersFrame headers) {
                Exchange exchange = streams.get(headers.stream());
                CharSequence status = headers.headers().status();
                if (exchange != null && status != null) {
                    exchange.status = HttpResponseStatus.parseLine(status).code();
                }
                if (headers.isEndStream()) {
                    respond(headers.stream());
                }
            } else if (msg instanceof Http2DataFrame data) {
                if (data.isEndStream()) {
                    respond(data.stream());
                } else if (data.initialFlowControlledBytes() > 0) {
                    // The frame codec leaves flow control to us: hand the window back for what we read.
                    ctx.write(new DefaultHttp2WindowUpdateFrame(data.initialFlowControlledBytes()).stream(data.stream()));
                    flushNeeded = true;
                }
            } else if (msg instanceof Http2ResetFrame reset) {
                end(reset.stream(), new Failure(ErrorKind.RESET, "rst_stream " + Http2Error.valueOf(reset.errorCode())));
            } else if (msg instanceof Http2GoAwayFrame) {
                goAway = true; // streams above its last-stream-id close and are failed through stream events
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (flushNeeded) {
            flushNeeded = false;
            context.flush();
        }
        context.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof Http2FrameStreamEvent e && e.type() == Http2FrameStreamEvent.Type.State
                && e.stream().state() == Http2Stream.State.CLOSED) {
            end(e.stream(), new Failure(ErrorKind.RESET, "stream closed"));
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof Http2FrameStreamException streamError) {
            end(streamError.stream(), Failure.of(streamError.getCause(), true));
            return; // one stream failed, the connection lives on
        }
        context.fireExceptionCaught(cause);
    }

    private void respond(Http2FrameStream stream) {
        Exchange exchange = streams.remove(stream);
        if (exchange != null) {
            connection.responded(exchange, exchange.status);
        }
    }

    private void end(Http2FrameStream stream, Failure failure) {
        Exchange exchange = streams.remove(stream);
        if (exchange != null) {
            connection.failed(exchange, failure);
        }
    }

    @Override
    public int inFlight() {
        return streams.size();
    }

    @Override
    public boolean acceptsMore() {
        return !goAway && codec.connection().local().canOpenStream();
    }

    @Override
    public void failAll(Failure failure) {
        for (Http2FrameStream stream : new ArrayList<>(streams.keySet())) {
            end(stream, failure);
        }
    }

    @Override
    public void expire(long cutoffNanos) {
        List<Http2FrameStream> late = new ArrayList<>();
        streams.forEach((stream, exchange) -> {
            if (exchange.start - cutoffNanos < 0) {
                late.add(stream);
            }
        });
        for (Http2FrameStream stream : late) {
            end(stream, Failure.TIMEOUT);
            if (stream.state() != Http2Stream.State.CLOSED && stream.state() != Http2Stream.State.IDLE) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
            }
        }
    }
}
