package dev.portcullis.proxy.origin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.util.ArrayDeque;
import java.util.List;

/**
 * HTTP/1.1 towards an origin: Netty's request encoder and response decoder with the bookkeeping
 * HttpClientCodec does (a response to HEAD has no body), plus one thing it cannot say: whether the
 * decoder still holds bytes it has not turned into a message. Bytes left after a complete response
 * (an unterminated line, a body on a response to HEAD) would be read as the start of the next
 * viewer's response; a connection that holds any is never reused.
 */
final class OriginHttp1Codec extends CombinedChannelDuplexHandler<OriginHttp1Codec.Decoder, OriginHttp1Codec.Encoder> {
    /** The methods of the requests sent and not yet answered, in order (one event loop). */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    OriginHttp1Codec() {
        init(new Decoder(), new Encoder());
    }

    /** Whether bytes arrived that are not part of any response decoded so far. */
    boolean holdsUndecodedBytes() {
        return inboundHandler().undecoded() > 0;
    }

    final class Encoder extends HttpRequestEncoder {
        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest request) {
                methods.add(request.method());
            }
            super.encode(ctx, msg, out);
        }
    }

    final class Decoder extends HttpResponseDecoder {
        int undecoded() {
            return actualReadableBytes();
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            int status = ((HttpResponse) msg).status().code();
            if (status >= 100 && status < 200) {
                return super.isContentAlwaysEmpty(msg); // an interim response answers no request yet
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
