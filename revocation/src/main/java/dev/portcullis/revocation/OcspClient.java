package dev.portcullis.revocation;

import dev.portcullis.config.OcspConfig;
import dev.portcullis.truststore.CertificateRevocation.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's OCSP client, shared by every generation so a reload keeps what it knows: one cache of
 * verified answers per (responder, issuer, serial), kept until {@link OcspAnswer#expiresAt()}; one
 * request in flight per key however many handshakes ask; a Good answer fetched again in the
 * background from its {@code refreshAt}, so steady traffic never waits for a responder, and kept
 * when that refresh fails. Requests are POSTs on the JDK's HTTP client, bounded by the trust
 * store's timeout and by {@value #MAX_RESPONSE_BYTES} bytes; parsing and signature checks run on
 * this client's own threads, never on an event loop.
 */
public final class OcspClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OcspClient.class);
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    /** Beyond this many cached answers nothing new is cached (each handshake then asks, one request per key). */
    static final int MAX_CACHED = 200_000;

    private record Key(URI responder, X509Certificate issuer, BigInteger serial) {
    }

    private final Clock clock;
    private final OcspObserver observer;
    private final ExecutorService threads = Executors.newFixedThreadPool(2, daemon("portcullis-ocsp"));
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(daemon("portcullis-ocsp-sweep"));
    private final HttpClient http;
    private final Map<Key, OcspAnswer> cache = new ConcurrentHashMap<>();
    private final Map<Key, CompletableFuture<OcspAnswer>> inFlight = new ConcurrentHashMap<>();
    /** Told (issuer, serial) when a refresh finds a certificate that was Good is now Revoked. */
    private volatile BiConsumer<X509Certificate, BigInteger> revokedListener = (issuer, serial) -> { };

    public OcspClient(Clock clock, OcspObserver observer) {
        this.clock = clock;
        this.observer = observer;
        this.http = HttpClient.newBuilder()
                .executor(threads)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(OcspConfig.MAX_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.MINUTES);
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Who re-checks established connections when a background refresh finds a revocation. */
    public void onRevoked(BiConsumer<X509Certificate, BigInteger> listener) {
        this.revokedListener = listener;
    }

    /**
     * A usable cached answer, without asking anyone, or null. Usable: before its expiry and within
     * this store's cacheTtl of when it was fetched (stores share the cache, not their settings); a
     * Revoked answer stays usable (a revocation is final), except one that is only a hold. A hit on
     * a Good answer past its refresh time starts the refresh in the background.
     */
    OcspAnswer cached(X509Certificate certificate, X509Certificate issuer, URI responder, OcspConfig settings) {
        Key key = new Key(responder, issuer, certificate.getSerialNumber());
        OcspAnswer answer = cache.get(key);
        Instant now = clock.instant();
        if (answer == null) {
            return null;
        }
        boolean usable = answer.permanent()
                || now.isBefore(answer.expiresAt()) && now.isBefore(answer.fetchedAt().plus(settings.cacheTtl()));
        if (!usable) {
            return null;
        }
        if (answer.determined()) {
            observer.cacheHit();
        }
        if (answer.status() == Status.Good && !now.isBefore(answer.refreshAt())) {
            fetch(key, certificate, settings);
        }
        return answer;
    }

    /**
     * The answer for {@code certificate}: at once from the cache, else from the one request in flight
     * for it (started here when there is none). The future never fails; it completes with an Error
     * answer on a timeout or any other problem.
     */
    CompletableFuture<OcspAnswer> status(X509Certificate certificate, X509Certificate issuer, URI responder,
                                         OcspConfig settings) {
        OcspAnswer hit = cached(certificate, issuer, responder, settings);
        if (hit != null) {
            return CompletableFuture.completedFuture(hit);
        }
        return fetch(new Key(responder, issuer, certificate.getSerialNumber()), certificate, settings);
    }

    private CompletableFuture<OcspAnswer> fetch(Key key, X509Certificate certificate, OcspConfig settings) {
        CompletableFuture<OcspAnswer> mine = new CompletableFuture<>();
        CompletableFuture<OcspAnswer> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        long started = System.nanoTime();
        CompletableFuture<OcspAnswer> asked;
        try {
            // Started on this client's threads, not the caller's: the caller is a handshake's check,
            // which then parks on the answer.
            asked = CompletableFuture.supplyAsync(() -> ask(key, certificate, settings), threads).thenCompose(f -> f);
        } catch (RuntimeException e) { // the client is closed: its threads refuse work
            asked = CompletableFuture.failedFuture(e);
        }
        asked.whenComplete((answer, e) -> {
            OcspAnswer result = answer != null ? answer
                    : OcspAnswer.error("ResponderError", "OCSP request failed: " + CrlLoader.oneLine(String.valueOf(e)),
                    clock.instant());
            OcspAnswer before = null;
            try {
                observer.requestEnded(resultName(result), System.nanoTime() - started);
                before = remember(key, result);
            } finally {
                // whatever happened above, nobody may wait on this request for ever
                inFlight.remove(key, mine);
                mine.complete(result);
            }
            if (result.status() == Status.Revoked && (before == null || before.status() != Status.Revoked)) {
                try {
                    revokedListener.accept(key.issuer(), key.serial());
                } catch (RuntimeException listenerFailed) {
                    LOG.warn("re-check after an OCSP revocation failed: {}", listenerFailed.toString());
                }
            }
        });
        return mine;
    }

    /**
     * Keeps a determined answer. An undetermined one replaces only an answer that is no longer usable;
     * a failed refresh keeps the Good answer until it expires but moves its next refresh on by
     * {@link OcspAnswer#ERROR_TTL} (else every handshake would ask again), and nothing replaces a
     * final Revoked. Returns what was there before.
     */
    private OcspAnswer remember(Key key, OcspAnswer answer) {
        if (cache.size() >= MAX_CACHED && !cache.containsKey(key)) {
            return null;
        }
        Instant now = clock.instant();
        OcspAnswer[] before = new OcspAnswer[1];
        cache.compute(key, (k, old) -> {
            before[0] = old;
            if (old != null && old.permanent()) {
                return old;
            }
            if (answer.determined() || old == null || !old.determined() || !now.isBefore(old.expiresAt())) {
                return answer;
            }
            return old.refreshNotBefore(now.plus(OcspAnswer.ERROR_TTL));
        });
        return before[0];
    }

    private CompletableFuture<OcspAnswer> ask(Key key, X509Certificate certificate, OcspConfig settings) {
        OcspExchange exchange;
        byte[] body;
        try {
            exchange = new OcspExchange(certificate, key.issuer());
            body = exchange.request();
        } catch (Exception e) {
            return CompletableFuture.completedFuture(OcspAnswer.error("InvalidResponse",
                    "cannot build an OCSP request: " + CrlLoader.oneLine(e.getMessage()), clock.instant()));
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(key.responder())
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/ocsp-request")
                    .header("Accept", "application/ocsp-response")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(OcspAnswer.error("ResponderError",
                    "unusable responder url " + key.responder() + ": " + e.getMessage(), clock.instant()));
        }
        CompletableFuture<OcspAnswer> answer;
        try {
            answer = http.sendAsync(request, info -> new LimitedBody())
                    .thenApplyAsync(response -> {
                        Instant now = clock.instant();
                        if (response.statusCode() != 200) {
                            return OcspAnswer.error("ResponderError", key.responder() + " answered HTTP "
                                    + response.statusCode(), now);
                        }
                        if (response.body() == null) {
                            return OcspAnswer.error("InvalidResponse", key.responder() + " sent more than "
                                    + MAX_RESPONSE_BYTES + " bytes", now);
                        }
                        return exchange.answer(response.body(), now, settings.cacheTtl());
                    }, threads);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.orTimeout(settings.timeout().toMillis() + 50, TimeUnit.MILLISECONDS)
                .exceptionally(e -> failure(key, e));
    }

    private OcspAnswer failure(Key key, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        Instant now = clock.instant();
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return OcspAnswer.error("Timeout", key.responder() + " did not answer in time", now);
        }
        if (cause instanceof ConnectException) {
            return OcspAnswer.error("Unreachable", key.responder() + ": connection refused", now);
        }
        if (cause instanceof IOException) {
            return OcspAnswer.error("Unreachable", key.responder() + ": " + CrlLoader.oneLine(String.valueOf(cause.getMessage())), now);
        }
        LOG.debug("OCSP request to {} failed", key.responder(), cause);
        return OcspAnswer.error("ResponderError", key.responder() + ": " + CrlLoader.oneLine(String.valueOf(cause)), now);
    }

    private static String resultName(OcspAnswer answer) {
        return switch (answer.status()) {
            case Good -> "good";
            case Revoked -> "revoked";
            case Unknown -> "unknown";
            case Error -> "Timeout".equals(answer.errorType()) ? "timeout" : "error";
        };
    }

    private void sweep() {
        Instant now = clock.instant();
        cache.entrySet().removeIf(e -> !e.getValue().permanent() && !now.isBefore(e.getValue().expiresAt()));
    }

    /** How many answers are cached. */
    public int cachedAnswers() {
        return cache.size();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        threads.shutdownNow();
        http.shutdownNow();
    }

    /** Collects a response body of at most MAX_RESPONSE_BYTES; a larger one is cut off and reads as null. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletableFuture<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                if (bytes.size() + b.remaining() > MAX_RESPONSE_BYTES) {
                    subscription.cancel();
                    result.complete(null);
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
