package dev.portcullis.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

/** The request every exchange sends; the body is zeros, wrapped fresh each time (the codec releases it). */
final class RequestTemplate {
    private static final String USER_AGENT = "portcullis-loadgen";

    private final HttpMethod method;
    private final String authority;
    private final String path;
    private final byte[] body;
    private final boolean closeAfterResponse;

    RequestTemplate(LoadSpec spec) {
        this.method = HttpMethod.valueOf(spec.method());
        this.authority = spec.target().authority();
        this.path = spec.target().path();
        this.body = new byte[spec.bodySize()];
        this.closeAfterResponse = spec.newConnectionPerRequest();
    }

    boolean hasBody() {
        return body.length > 0;
    }

    ByteBuf body() {
        return Unpooled.wrappedBuffer(body);
    }

    FullHttpRequest http1() {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                hasBody() ? body() : Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, authority).set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        if (method == HttpMethod.POST) {
            request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        if (closeAfterResponse) {
            // One request per connection: say so, as a browser or curl would.
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return request;
    }

    Http2Headers http2() {
        Http2Headers headers = new DefaultHttp2Headers()
                .method(method.asciiName()).scheme("https").authority(authority).path(path);
        headers.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        if (method == HttpMethod.POST) {
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        return headers;
    }
}
