package dev.portcullis.proxy.tls;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.FailureCode;
import dev.portcullis.truststore.VerifiedClient;
import dev.portcullis.viewerheaders.ViewerHeader;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What one viewer connection did, filled in as it goes: accepted, distribution chosen by SNI,
 * client certificate checked, handshake finished or failed. The connection's event loop is its only
 * writer: the check of the chain, which may run on the handshake executor, arrives whole as one
 * {@link ClientCheck} ({@link #checked}, one volatile write) and the loop adopts it
 * ({@link #adoptCheck}) when the handshake ends, before it records anything.
 * The certificate headers are rendered once here and reused for every request of the connection.
 *
 * <p>Over 250 lines: it is mostly accessors for a connection's facts from accept to close,
 * which the logs, the headers, the functions and the re-checks read; the logic in it is adopting
 * the check result once ({@link #adoptCheck}) and withdrawing.
 */
public final class ConnectionState {
    public static final AttributeKey<ConnectionState> KEY = AttributeKey.valueOf("portcullis.connection");

    private final String connectionId;
    private final long acceptedNanos;
    private final long acceptedMillis;
    private final InetSocketAddress client;
    private final InetSocketAddress server;
    private final String clientIp;

    private Generation generation;
    private EdgeDistribution distribution;
    private volatile EventExecutor eventLoop;
    private String sni;
    /** Written once by whoever checked the chain; read by the event loop in {@link #adoptCheck}. */
    private volatile ClientCheck check;
    private boolean checkAdopted;
    private VerifiedClient verifiedClient;
    private List<ViewerHeader> certificateHeaders = List.of();
    private List<ViewerHeader> originCertificateHeaders = List.of();
    private FailureCode failure;
    private String failureReason;
    private String customData;
    private CertificateFacts presentedLeaf;
    private String functionName;
    private String functionOutcome;
    private long functionNanos = -1;
    private volatile long handshakeNanos = -1;
    private volatile long revocationDeadlineNanos;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private String tlsProtocol;
    private String tlsCipher;
    private boolean recorded;
    private boolean inHandshake = true;
    /** The client resumed a TLS 1.3 session (checked again after the handshake all the same). */
    private boolean sessionResumed;
    /** The chain the client presented, kept for re-checks (empty without a certificate). */
    private List<java.security.cert.X509Certificate> presentedChain = List.of();
    /** {@link EstablishedConnections#changes()} when the connection was accepted. */
    private long trustChangesAtAccept;
    /** Set on the event loop when a re-check refused the connection: it takes no new request. */
    private volatile String withdrawn;

    public ConnectionState(String connectionId, InetSocketAddress client, InetSocketAddress server) {
        this.connectionId = connectionId;
        this.client = client;
        this.server = server;
        // Formatted once: X-Forwarded-For, the logs and the connection function all need it per request.
        this.clientIp = client.getAddress().getHostAddress();
        this.acceptedNanos = System.nanoTime();
        this.acceptedMillis = System.currentTimeMillis();
    }

    /** The state of {@code channel}, or of its parent for an HTTP/2 stream channel. */
    public static ConnectionState of(Channel channel) {
        ConnectionState state = channel.attr(KEY).get();
        if (state == null && channel.parent() != null) {
            state = channel.parent().attr(KEY).get();
        }
        return state;
    }

    public String connectionId() {
        return connectionId;
    }

    public long acceptedMillis() {
        return acceptedMillis;
    }

    public InetSocketAddress client() {
        return client;
    }

    /** The viewer's address as text (no brackets, no port). */
    public String clientIp() {
        return clientIp;
    }

    public InetSocketAddress server() {
        return server;
    }

    /** What this connection runs on, pinned when SNI chose its distribution (null before). */
    public Generation generation() {
        return generation;
    }

    void pin(Generation generation) {
        this.generation = generation;
    }

    public EdgeDistribution distribution() {
        return distribution;
    }

    public String sni() {
        return sni;
    }

    void chooseDistribution(EdgeDistribution chosen, String serverName, EventExecutor loop) {
        this.distribution = chosen;
        this.sni = serverName;
        this.eventLoop = loop;
    }

    /**
     * Until when a revocation check of this connection's handshake may wait for a responder: a little
     * before the handshake timeout, whose close would otherwise find BoringSSL's engine held by the
     * waiting check (Netty runs delegated tasks holding the engine's monitor) and block the event loop
     * until the wait ended. Set when the TLS handler is installed; without a handshake in progress
     * (a re-check of an established connection) there is no such bound.
     */
    void tlsHandshakeStarted(long timeoutMillis) {
        this.revocationDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis - 250));
    }

    long revocationDeadlineNanos() {
        return handshakeNanos >= 0 || revocationDeadlineNanos == 0 ? Long.MAX_VALUE : revocationDeadlineNanos;
    }

    /** Completes when the connection closes: a revocation check still waiting gives up at once. */
    CompletableFuture<Void> closed() {
        return closed;
    }

    /** Whether the caller runs on this connection's event loop (where a connection function must never run). */
    boolean onEventLoop() {
        EventExecutor loop = eventLoop;
        return loop != null && loop.inEventLoop();
    }

    public VerifiedClient verifiedClient() {
        return verifiedClient;
    }

    /** The request headers this connection's certificate gives every request (may be empty). */
    public List<ViewerHeader> certificateHeaders() {
        return certificateHeaders;
    }

    /**
     * The certificate headers the distribution's origin request policy lets through: filtered once
     * when the handshake ends, not per request.
     */
    public List<ViewerHeader> originCertificateHeaders() {
        return originCertificateHeaders;
    }

    void filterForOrigin() {
        var policy = distribution.config().originRequestPolicy();
        originCertificateHeaders = certificateHeaders.stream().filter(h -> policy.forwards(h.name())).toList();
    }

    /** The check of the presented chain, from the trust manager's thread: kept for the event loop. */
    void checked(ClientCheck result) {
        this.check = result;
    }

    /**
     * On the event loop, once the handshake ended (or the connection closed): takes over what the
     * check decided, so that from here on the event loop alone writes and reads the connection's state.
     * A refusal's precise code comes first; nothing the loop decided before is overwritten.
     */
    void adoptCheck() {
        ClientCheck c = check;
        if (c == null || checkAdopted) {
            return;
        }
        checkAdopted = true;
        c.rejection().ifPresent(r -> fail(r.code(), r.reason()));
        if (c.rejection().isEmpty() && failure == null) {
            verifiedClient = c.client();
            certificateHeaders = c.headers();
        }
        presentedLeaf = c.presentedLeaf();
        presentedChain = c.presented();
        c.function().ifPresent(this::functionDecided);
    }

    void trustChangesAtAccept(long changes) {
        this.trustChangesAtAccept = changes;
    }

    long trustChangesAtAccept() {
        return trustChangesAtAccept;
    }

    /** The chain the client presented in its handshake (empty if it sent none). */
    public List<java.security.cert.X509Certificate> presentedChain() {
        return presentedChain;
    }

    /**
     * A re-check refused this established connection: it takes no new request, and its response in
     * flight is its last ({@code Connection: close}). On the event loop.
     */
    public boolean withdraw(String reason) {
        if (withdrawn != null) {
            return false;
        }
        withdrawn = reason;
        return true;
    }

    /** Why a re-check withdrew the connection, or null while it may still serve requests. */
    public String withdrawn() {
        return withdrawn;
    }

    void certificateHeaders(List<ViewerHeader> headers) {
        this.certificateHeaders = List.copyOf(headers);
    }

    /** Records why the connection failed; the first, most precise reason wins. */
    public void fail(FailureCode code, String reason) {
        if (failure == null) {
            failure = code;
            failureReason = reason;
        }
    }

    public FailureCode failure() {
        return failure;
    }

    public String failureReason() {
        return failureReason;
    }

    /** The leaf of a chain that was refused, for the connection log (null otherwise). */
    public CertificateFacts presentedLeaf() {
        return presentedLeaf;
    }


    /** The connection function that ran for this connection, or null. */
    public String functionName() {
        return functionName;
    }

    /** allow, deny or error. */
    public String functionOutcome() {
        return functionOutcome;
    }

    /** Guest run time of the connection function in ns, -1 if none ran. */
    public long functionNanos() {
        return functionNanos;
    }

    /** Keeps what the connection function decided, for the connection log and metrics. */
    void functionDecided(dev.portcullis.proxy.functions.FunctionGate.Outcome outcome) {
        this.customData = outcome.customData().isEmpty() ? null : outcome.customData();
        this.functionName = outcome.function();
        this.functionOutcome = outcome.decision();
        this.functionNanos = outcome.elapsed().toNanos();
    }

    public String customData() {
        return customData;
    }


    void handshakeDone(String protocol, String cipher) {
        this.handshakeNanos = System.nanoTime() - acceptedNanos;
        this.tlsProtocol = protocol;
        this.tlsCipher = cipher;
    }

    public boolean handshakeSucceeded() {
        return handshakeNanos >= 0 && failure == null;
    }

    /** Handshake duration in ms, from accept to Finished (or to now if it never finished). */
    public double handshakeMillis() {
        long nanos = handshakeNanos >= 0 ? handshakeNanos : System.nanoTime() - acceptedNanos;
        return nanos / 1_000_000.0;
    }

    public String tlsProtocol() {
        return tlsProtocol;
    }

    public String tlsCipher() {
        return tlsCipher;
    }

    void sessionResumed() {
        sessionResumed = true;
    }

    public boolean tlsSessionResumed() {
        return sessionResumed;
    }

    /** True the first time only: the handshake is over (per-address handshake counts end here). */
    boolean leaveHandshake() {
        boolean was = inHandshake;
        inHandshake = false;
        return was;
    }

    /** True the first time only: the connection log gets exactly one record per connection. */
    public boolean markRecorded() {
        if (recorded) {
            return false;
        }
        recorded = true;
        return true;
    }
}
