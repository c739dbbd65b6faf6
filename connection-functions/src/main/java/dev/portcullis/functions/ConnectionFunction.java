package dev.portcullis.functions;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.Iso;
import dev.portcullis.truststore.RevocationStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.graalvm.polyglot.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled connection function: the codec between a connection and bootstrap.js's connection event,
 * over a {@link GuestPool} that holds the code, its contexts and every limit (see there).
 * {@link #invoke} is blocking and thread-safe; call it from the handshake executor, never from an
 * event loop.
 */
public final class ConnectionFunction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionFunction.class);

    /** Statements one invocation may execute (see {@link GuestPool}). */
    static final long STATEMENT_LIMIT = GuestPool.STATEMENT_LIMIT;
    /** CloudFront keeps at most 800 bytes of custom data. */
    static final int MAX_CUSTOM_DATA_BYTES = 800;
    /** See {@link GuestPool#CONTEXT_ALLOCATION_FACTOR}. */
    static final int CONTEXT_ALLOCATION_FACTOR = GuestPool.CONTEXT_ALLOCATION_FACTOR;

    private static final Object[][] WARM_UP = {arguments(WarmUp.withCertificate()), arguments(WarmUp.withoutCertificate())};

    private final GuestPool pool;
    private final GuestPool.Decoder<ConnectionDecision> decoder = new GuestPool.Decoder<>() {
        @Override
        public ConnectionDecision decode(Value outcome, Duration elapsed) {
            return decision(outcome, elapsed);
        }

        @Override
        public ConnectionDecision fault(String error, Duration elapsed) {
            return ConnectionDecision.error(error, "", List.of(), elapsed);
        }
    };

    private ConnectionFunction(GuestPool pool) {
        this.pool = pool;
    }

    /**
     * Compiles a function on a runtime of its own, closed with the function (for one-off use such as
     * {@code portcullis function test}; a server shares one {@link FunctionRuntime} instead).
     */
    public static ConnectionFunction compile(String name, Path codeFile, Optional<String> keyValueStoreName,
                                             FunctionLimits limits, KeyValueStores stores) throws FunctionCompileException {
        return FunctionRuntime.alone(runtime -> runtime.compile(name, codeFile, keyValueStoreName, limits, stores, true));
    }

    static ConnectionFunction start(GuestPool pool) throws FunctionCompileException {
        ConnectionFunction function = new ConnectionFunction(pool);
        pool.start(WARM_UP, function.decoder);
        return function;
    }

    public String name() {
        return pool.name();
    }

    /** Whether the code was run as an ES module (it has a static import or an export). */
    public boolean isModule() {
        return pool.isModule();
    }

    public Optional<String> keyValueStoreName() {
        return pool.keyValueStoreName();
    }

    public FunctionLimits limits() {
        return pool.limits();
    }

    /**
     * Runs the handler for one connection and waits for its decision. Never throws for anything the
     * function does: faults come back as {@link ConnectionDecision.Outcome#ERROR}.
     */
    public ConnectionDecision invoke(ConnectionInput input) {
        ConnectionDecision decision = pool.invoke(arguments(input), decoder);
        log(input.connectionId(), decision);
        return decision;
    }

    /** Closes the idle contexts; contexts in use are closed when their invocation ends. */
    @Override
    public void close() {
        pool.close();
    }

    /** Reads bootstrap.js's outcome(): a bare decision number, or the encoded state (see there). */
    private ConnectionDecision decision(Value outcome, Duration elapsed) {
        if (outcome.isNumber()) {
            return decided(outcome.asInt(), "", List.of(), elapsed);
        }
        GuestText.OutcomeReader in = new GuestText.OutcomeReader(outcome.asString());
        int settled = in.number();
        int chosen = in.number();
        String customData = truncateUtf8(in.field(), MAX_CUSTOM_DATA_BYTES);
        String error = in.field();
        String stack = in.field();
        int count = in.number();
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(in.field());
        }
        if (settled == GuestProtocol.Settled.FAILED.ordinal()) {
            return ConnectionDecision.error(pool.located(error, stack), customData, lines, elapsed);
        }
        if (settled == GuestProtocol.Settled.PENDING.ordinal()) {
            return ConnectionDecision.error("handler promise still pending after its jobs ran (it awaits something"
                    + " that never settles)", customData, lines, elapsed);
        }
        return decided(chosen, customData, lines, elapsed);
    }

    private static ConnectionDecision decided(int chosen, String customData, List<String> lines, Duration elapsed) {
        if (chosen == GuestProtocol.Decision.ALLOW.ordinal()) {
            return new ConnectionDecision(ConnectionDecision.Outcome.ALLOW, customData, lines, elapsed, "");
        }
        if (chosen == GuestProtocol.Decision.DENY.ordinal()) {
            return new ConnectionDecision(ConnectionDecision.Outcome.DENY, customData, lines, elapsed, "");
        }
        return new ConnectionDecision(ConnectionDecision.Outcome.DENY, customData, lines, elapsed,
                ConnectionDecision.NO_DECISION);
    }

    private static Object[] arguments(ConnectionInput input) {
        List<CertificateFacts> certificates = new ArrayList<>();
        input.clientCertificate().ifPresent(chain -> {
            certificates.add(chain.leaf());
            certificates.addAll(chain.intermediates());
        });
        // the leaf's slot first (empty when nothing checked the leaf), then the checked intermediates
        Optional<RevocationStatus> status = input.clientCertificate().flatMap(ClientCertificate::revocation);
        List<CertificateRevocation> revocations = new ArrayList<>();
        status.ifPresent(r -> {
            revocations.add(r.leaf());
            revocations.addAll(r.intermediates());
        });
        Object[] arguments = new Object[7 + 7 * certificates.size() + 4 * revocations.size()];
        arguments[0] = input.connectionId();
        arguments[1] = input.clientIp();
        arguments[2] = input.endpoint();
        arguments[3] = input.distributionId();
        arguments[4] = certificates.size();
        arguments[5] = status.map(r -> r.chainValidity().name()).orElse(null);
        arguments[6] = revocations.size();
        int i = 7;
        for (CertificateFacts facts : certificates) {
            arguments[i++] = facts.serialNumber();
            arguments[i++] = facts.issuer();
            arguments[i++] = facts.subject();
            arguments[i++] = Iso.seconds(facts.notBefore());
            arguments[i++] = Iso.seconds(facts.notAfter());
            arguments[i++] = facts.sha256Fingerprint();
            arguments[i++] = facts.san() == null ? "" : facts.san();
        }
        for (CertificateRevocation r : revocations) {
            arguments[i++] = r == null ? null : r.method().name();
            arguments[i++] = r == null ? null : r.status().name();
            arguments[i++] = r == null ? null : r.errorType();
            arguments[i++] = r == null ? null : r.serialNumber();
        }
        return arguments;
    }

    private void log(String connectionId, ConnectionDecision decision) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        for (String line : decision.consoleLines()) {
            LOG.debug("function {} connection {} console: {}", name(), connectionId, line);
        }
        LOG.debug("function {} connection {} -> {} in {} us{}", name(), connectionId, decision.outcome(),
                decision.elapsed().toNanos() / 1000, decision.error().isEmpty() ? "" : ": " + decision.error());
    }

    /** Cuts {@code s} to at most {@code maxBytes} of UTF-8 without splitting a character. */
    static String truncateUtf8(String s, int maxBytes) {
        return GuestText.truncateUtf8(s, maxBytes);
    }
}
