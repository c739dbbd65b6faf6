package dev.portcullis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits at the end of an origin connection's (or HTTP/2 stream's) pipeline for the duration of one
 * exchange and hands what the origin sends to that exchange. Removed when the exchange ends, so a
 * pooled connection never delivers into a finished exchange.
 */
final class OriginRelay extends ChannelInboundHandlerAdapter {
    private final Exchange exchange;

    OriginRelay(Exchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse response) {
            // A FullHttpResponse (an HTTP/2 response that ended with its headers, or the codec's
            // stand-in for a malformed one) is also HttpContent: its body is handed over there, once.
            exchange.responseHead(response);
            return;
        }
        if (msg instanceof HttpContent content) {
            exchange.responseBody(content);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        exchange.originFlushDone();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        exchange.originWritabilityChanged();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        exchange.originClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        exchange.originFailed(cause);
        ctx.close();
    }
}
