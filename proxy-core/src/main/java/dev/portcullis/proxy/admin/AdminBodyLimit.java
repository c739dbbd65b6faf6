package dev.portcullis.proxy.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Bounds admin request bodies before they are aggregated: a KeyValueStore import
 * ({@code PUT /key-value-stores/NAME/data}) may carry a large store, anything else at most an
 * UpdateKeys call (3 MB) with room for JSON. Past the limit, declared or streamed, the request is
 * answered {@code 413 {"Message"}} and the connection closed, and nothing of it reaches a handler.
 */
final class AdminBodyLimit extends ChannelInboundHandlerAdapter {
    static final int IMPORT_BYTES = 256 * 1024 * 1024;
    static final int OTHER_BYTES = 4 * 1024 * 1024;

    private long limit = OTHER_BYTES;
    private long seen;
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            String path = dev.portcullis.config.RequestTarget.path(request.uri());
            limit = path.startsWith(KeyValueStoreApi.PREFIX) && path.endsWith("/data") ? IMPORT_BYTES : OTHER_BYTES;
            seen = 0;
            if (HttpUtil.getContentLength(request, -1L) > limit) {
                refuse(ctx, msg);
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            seen += content.content().readableBytes();
            if (seen > limit) {
                refuse(ctx, msg);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void refuse(ChannelHandlerContext ctx, Object msg) {
        refused = true;
        ReferenceCountUtil.release(msg);
        byte[] body = ("{\"Message\":\"the request body is larger than " + limit + " bytes\"}\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
