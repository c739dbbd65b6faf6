package dev.portcullis.functions;

import java.util.LinkedHashMap;
import java.util.Map;
import org.graalvm.polyglot.proxy.ProxyObject;

/**
 * The numbers the host and bootstrap.js exchange, named in one place and handed to the bootstrap
 * when a context is made, so neither side spells a bare 0, 1, 2 or 9 (a number crosses the host
 * boundary much more cheaply than a string, which is why they are numbers at all).
 */
final class GuestProtocol {
    private GuestProtocol() {
    }

    /** What the guest asks the host for: {@code host(op, key)}. */
    enum HostOperation {
        STORE_LOADED, EXISTS, GET, CREATED, LAST_UPDATED, KEY_COUNT;

        private static final HostOperation[] ALL = values();

        static HostOperation of(int code) {
            return code >= 0 && code < ALL.length ? ALL[code] : null;
        }
    }

    /** How far an invocation got: its promise pending, done, or failed (threw or rejected). */
    enum Settled { PENDING, DONE, FAILED }

    /** What the handler called: nothing, allow() or deny(). */
    enum Decision { NONE, ALLOW, DENY }

    /**
     * Which event a function handles, and so which handler its code must declare and which invoke the
     * bootstrap hands out: connection functions run at the handshake, viewer functions (CloudFront
     * Functions) on a request or its response.
     */
    enum EventKind {
        CONNECTION("connectionHandler", "connection"),
        VIEWER("handler", "event");

        private final String handlerName;
        private final String argumentName;

        EventKind(String handlerName, String argumentName) {
            this.handlerName = handlerName;
            this.argumentName = argumentName;
        }

        String handlerName() {
            return handlerName;
        }

        String argumentName() {
            return argumentName;
        }
    }

    /**
     * What a viewer function's result turned out to be: nothing usable, the request, a response, or
     * the request exactly as the event built it (then nothing of it is encoded: the host forwards the
     * viewer's request as it came; alone, as a number, when there is nothing else to say either).
     */
    enum ViewerResult { NONE, REQUEST, RESPONSE, UNCHANGED }

    /** The codes as the bootstrap reads them: {@code codes.op.EXISTS}, {@code codes.settled.DONE}, ... */
    static ProxyObject codes() {
        return ProxyObject.fromMap(Map.of(
                "op", ProxyObject.fromMap(byName(HostOperation.values())),
                "settled", ProxyObject.fromMap(byName(Settled.values())),
                "decision", ProxyObject.fromMap(byName(Decision.values())),
                "kind", ProxyObject.fromMap(byName(EventKind.values())),
                "viewerResult", ProxyObject.fromMap(byName(ViewerResult.values()))));
    }

    private static Map<String, Object> byName(Enum<?>[] values) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Enum<?> value : values) {
            map.put(value.name(), value.ordinal());
        }
        return map;
    }
}
