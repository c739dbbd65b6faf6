package dev.portcullis.functions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The result of one invocation: everything the handshake, the connection log and
 * {@code portcullis function test} need.
 *
 * @param outcome      ALLOW, DENY or ERROR (the handshake fails for DENY and ERROR)
 * @param customData   the last {@code logCustomData} value, at most 800 UTF-8 bytes; "" if none
 * @param consoleLines what the function wrote with {@code console.*}, in order
 * @param elapsed      time the function ran: the handler call plus its promise jobs (not the context
 *                     checkout, which is the runtime's cost, not the function's)
 * @param error        one line: why the outcome is ERROR, or "no decision" for a DENY because neither
 *                     allow() nor deny() was called; "" otherwise
 */
public record ConnectionDecision(Outcome outcome, String customData, List<String> consoleLines, Duration elapsed,
                                 String error) {

    /** CloudFront's three endings of a connection function. */
    public enum Outcome {
        /** {@code connection.allow()} was called. */
        ALLOW,
        /** {@code connection.deny()} was called, or neither was (CloudFront denies then). */
        DENY,
        /** The function threw, timed out, rejected its promise or broke a limit: the connection is refused. */
        ERROR
    }

    /** The error text of an implicit deny. */
    public static final String NO_DECISION = "no decision";

    public ConnectionDecision {
        Objects.requireNonNull(outcome, "outcome");
        customData = customData == null ? "" : customData;
        consoleLines = List.copyOf(consoleLines);
        Objects.requireNonNull(elapsed, "elapsed");
        error = error == null ? "" : error;
    }

    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }

    static ConnectionDecision error(String error, String customData, List<String> consoleLines, Duration elapsed) {
        return new ConnectionDecision(Outcome.ERROR, customData, consoleLines, elapsed, error);
    }
}
