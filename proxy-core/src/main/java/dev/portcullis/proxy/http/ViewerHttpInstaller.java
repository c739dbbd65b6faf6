package dev.portcullis.proxy.http;

import dev.portcullis.proxy.HandlerNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the viewer's HTTP codec once ALPN has chosen: HTTP/2 (one child channel per stream, each
 * converted to HttpObjects) or HTTP/1.1. Both end in the same {@link ProxyHandler}.
 */
public final class ViewerHttpInstaller {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.http");
    static final int MAX_HEADER_BYTES = 32 * 1024;
    private static final int HTTP2_WINDOW = 1 << 20;

    private final ProxyServices services;

    public ViewerHttpInstaller(ProxyServices services) {
        this.services = services;
    }

    /** The HTTP step of {@link dev.portcullis.proxy.ViewerPipeline}: the codec ALPN chose, then the proxy. */
    public void install(ChannelPipeline pipeline, String alpn) {
        if (ApplicationProtocolNames.HTTP_2.equals(alpn)) {
            http2(pipeline);
        } else {
            http1(pipeline);
        }
    }

    /** idle, request-bytes, http1-codec, request-timeout, proxy. */
    private void http1(ChannelPipeline pipeline) {
        pipeline.addLast(HandlerNames.IDLE, new IdleStateHandler(0, 0, services.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        RequestTimeouts timeouts = new RequestTimeouts(services.limits(), services.observer());
        pipeline.addLast(HandlerNames.REQUEST_BYTES, timeouts.bytesWatch());
        pipeline.addLast(HandlerNames.HTTP1_CODEC, new HttpServerCodec(8192, MAX_HEADER_BYTES, 16384));
        pipeline.addLast(HandlerNames.REQUEST_TIMEOUT, timeouts.messagesWatch());
        pipeline.addLast(HandlerNames.PROXY, new ProxyHandler(services, false));
    }

    /** idle, flush-consolidation, http2-codec, http2-multiplex (each stream: {@link #http2Stream}), http2-errors. */
    private void http2(ChannelPipeline pipeline) {
        Http2StreamsIdle idle = new Http2StreamsIdle(services.idleTimeout().toMillis());
        pipeline.addLast(HandlerNames.IDLE, idle);
        // Every stream's response ends with a flush; streams that finish in the same event-loop
        // turn go out in one TLS write instead of one each.
        pipeline.addLast(HandlerNames.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
        pipeline.addLast(HandlerNames.HTTP2_CODEC, Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(256)
                        .initialWindowSize(HTTP2_WINDOW)
                        .maxHeaderListSize(MAX_HEADER_BYTES))
                .validateHeaders(true)
                .build());
        pipeline.addLast(HandlerNames.HTTP2_MULTIPLEX, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                idle.streamOpened(stream);
                http2Stream(stream.pipeline());
            }
        }));
        pipeline.addLast(HandlerNames.HTTP2_ERRORS, new ConnectionErrors());
    }

    /** Each HTTP/2 stream: idle (writer: a response that stops moving ends too), http2-to-http, request-timeout, proxy. */
    private void http2Stream(ChannelPipeline stream) {
        stream.addLast(HandlerNames.IDLE, new IdleStateHandler(0, services.idleTimeout().toMillis(), 0, TimeUnit.MILLISECONDS));
        stream.addLast(HandlerNames.HTTP2_TO_HTTP, new Http2StreamFrameToHttpObjectCodec(true));
        stream.addLast(HandlerNames.REQUEST_TIMEOUT, new RequestTimeouts(services.limits(), services.observer()).messagesWatch());
        stream.addLast(HandlerNames.PROXY, new ProxyHandler(services, true));
    }

    /** Last handler of an HTTP/2 connection: errors close it with one debug line. */
    private static final class ConnectionErrors extends ChannelInboundHandlerAdapter {
        /**
         * The frame codec tells the pipeline of a protocol error before it sends its own GOAWAY (or
         * RST_STREAM) with the real error code; closing here first would send GOAWAY NO_ERROR and
         * hide what the peer did wrong. So HTTP/2 errors are left to the codec, which then closes.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HTTP/2 connection {} error: {}", ctx.channel().remoteAddress(), cause.toString());
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null && !(cause instanceof Http2FrameStreamException)) {
                ctx.close();
            }
        }
    }
}
