package dev.portcullis.functions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled viewer function (a CloudFront Function, runtime cloudfront-js-2.0): the codec between a
 * request or response and bootstrap.js's viewer event, over a {@link GuestPool} that holds the code, its
 * contexts and every limit. {@link #invoke} is thread-safe and runs the guest on the calling thread:
 * the node calls it on the viewer's event loop, as CPU work bounded by the function's guest-time limit
 * (the watchdog cuts it off there as anywhere), because a hop to another thread and back would cost more
 * than the function itself.
 */
public final class ViewerFunction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ViewerFunction.class);

    private static final Object[][] WARM_UP = {arguments(WarmUp.viewerRequest()), arguments(WarmUp.viewerResponse())};

    private final GuestPool pool;
    private final GuestPool.Decoder<ViewerOutcome> decoder = new GuestPool.Decoder<>() {
        @Override
        public ViewerOutcome decode(Value outcome, Duration elapsed) {
            if (outcome.isNumber()) {
                return outcome.asInt() == GuestProtocol.ViewerResult.UNCHANGED.ordinal()
                        ? ViewerOutcome.unchanged(List.of(), List.of(), elapsed)
                        : ViewerOutcome.fault("unexpected outcome " + outcome, List.of(), elapsed);
            }
            return outcome(outcome.asString(), elapsed);
        }

        @Override
        public ViewerOutcome fault(String error, Duration elapsed) {
            return ViewerOutcome.fault(error, List.of(), elapsed);
        }
    };

    private ViewerFunction(GuestPool pool) {
        this.pool = pool;
    }

    /** Compiles a function on a runtime of its own, closed with it (for {@code portcullis function test}). */
    public static ViewerFunction compile(String name, Path codeFile, Optional<String> keyValueStoreName,
                                         FunctionLimits limits, KeyValueStores stores) throws FunctionCompileException {
        return FunctionRuntime.alone(runtime -> runtime.compileViewer(name, codeFile, keyValueStoreName, limits, stores, true));
    }

    static ViewerFunction start(GuestPool pool) throws FunctionCompileException {
        ViewerFunction function = new ViewerFunction(pool);
        pool.start(WARM_UP, function.decoder);
        return function;
    }

    public String name() {
        return pool.name();
    }

    public Optional<String> keyValueStoreName() {
        return pool.keyValueStoreName();
    }

    public FunctionLimits limits() {
        return pool.limits();
    }

    /**
     * Runs the handler for one event. Never throws for anything the function does: faults come back
     * as {@link ViewerOutcome.Kind#FAULT}.
     */
    public ViewerOutcome invoke(ViewerEvent event) {
        ViewerOutcome outcome = pool.invoke(arguments(event), decoder);
        if (LOG.isDebugEnabled()) {
            for (String line : outcome.consoleLines()) {
                LOG.debug("function {} request {} console: {}", name(), event.requestId(), line);
            }
        }
        return outcome;
    }

    @Override
    public void close() {
        pool.close();
    }

    private static Object[] arguments(ViewerEvent event) {
        ViewerEvent.Request request = event.request();
        ViewerEvent.Response response = event.response();
        int size = 10 + 2 * request.headers().size() + (response == null ? 0 : 3 + 2 * response.headers().size());
        Object[] arguments = new Object[size];
        arguments[0] = event.eventType().text();
        arguments[1] = event.distributionDomainName();
        arguments[2] = event.distributionId();
        arguments[3] = event.requestId();
        arguments[4] = event.connectionId();
        arguments[5] = event.viewerIp();
        arguments[6] = request.method();
        arguments[7] = request.uri();
        arguments[8] = request.querystring();
        arguments[9] = request.headers().size();
        int i = 10;
        for (ViewerEvent.Header header : request.headers()) {
            arguments[i++] = KnownHeaderNames.codeOrName(header.name());
            arguments[i++] = header.value();
        }
        if (response != null) {
            arguments[i++] = response.statusCode();
            arguments[i++] = response.statusDescription();
            arguments[i++] = response.headers().size();
            for (ViewerEvent.Header header : response.headers()) {
                arguments[i++] = KnownHeaderNames.codeOrName(header.name());
                arguments[i++] = header.value();
            }
        }
        return arguments;
    }

    /** Reads bootstrap.js's viewerOutcome() (see there). */
    private ViewerOutcome outcome(String encoded, Duration elapsed) {
        GuestText.OutcomeReader in = new GuestText.OutcomeReader(encoded);
        int settled = in.number();
        String error = in.field();
        String stack = in.field();
        int count = in.number();
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(in.field());
        }
        if (settled == GuestProtocol.Settled.FAILED.ordinal()) {
            return ViewerOutcome.fault(pool.located(error, stack), lines, elapsed);
        }
        if (settled == GuestProtocol.Settled.PENDING.ordinal()) {
            return ViewerOutcome.fault("handler promise still pending after its jobs ran (it awaits something"
                    + " that never settles)", lines, elapsed);
        }
        List<ViewerOutcome.CertificateHeaderChange> changes = certificateHeaderChanges(in);
        int kind = in.number();
        if (kind == GuestProtocol.ViewerResult.UNCHANGED.ordinal()) {
            return ViewerOutcome.unchanged(changes, lines, elapsed);
        }
        if (kind == GuestProtocol.ViewerResult.REQUEST.ordinal()) {
            String uri = in.field();
            if (!uri.startsWith("/")) {
                return ViewerOutcome.fault("invalid return: request.uri must begin with '/'", lines, elapsed);
            }
            ViewerOutcome.Request request = new ViewerOutcome.Request(uri, pairs(in), pairs(in), pairs(in));
            return new ViewerOutcome(ViewerOutcome.Kind.FORWARD, request, null, changes, lines, elapsed, "");
        }
        int status = in.number();
        String description = in.field();
        List<ViewerEvent.Header> headers = pairs(in);
        int cookieCount = in.number();
        List<ViewerOutcome.SetCookie> cookies = new ArrayList<>(cookieCount);
        for (int i = 0; i < cookieCount; i++) {
            cookies.add(new ViewerOutcome.SetCookie(in.field(), in.field(), in.field()));
        }
        String encoding = in.field();
        String data = in.field();
        byte[] body = null;
        if (encoding.equals("text")) {
            body = data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } else if (encoding.equals("base64")) {
            try {
                body = Base64.getDecoder().decode(data);
            } catch (IllegalArgumentException e) {
                return ViewerOutcome.fault("invalid return: response.body.data is not valid base64", lines, elapsed);
            }
        }
        ViewerOutcome.Response response = new ViewerOutcome.Response(status, description, headers, cookies, body);
        return new ViewerOutcome(ViewerOutcome.Kind.RESPOND, null, response, changes, lines, elapsed, "");
    }

    private static List<ViewerEvent.Header> pairs(GuestText.OutcomeReader in) {
        int count = in.number();
        List<ViewerEvent.Header> pairs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            pairs.add(new ViewerEvent.Header(in.field(), in.field()));
        }
        return pairs;
    }

    private static List<ViewerOutcome.CertificateHeaderChange> certificateHeaderChanges(GuestText.OutcomeReader in) {
        int count = in.number();
        if (count == 0) {
            return List.of();
        }
        List<ViewerOutcome.CertificateHeaderChange> changes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String source = in.field();
            String target = in.field();
            ViewerOutcome.PemFormat format = null;
            if (in.number() == 1) {
                String header = in.optionalField();
                String footer = in.optionalField();
                String endMarker = in.optionalField();
                int keep = in.number();
                format = new ViewerOutcome.PemFormat(header, footer, endMarker, keep == 2 ? null : keep == 1);
            }
            changes.add(new ViewerOutcome.CertificateHeaderChange(source, target, format));
        }
        return changes;
    }
}
