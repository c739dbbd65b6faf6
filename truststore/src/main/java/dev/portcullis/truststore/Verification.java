package dev.portcullis.truststore;

/** The outcome of checking a presented client chain: {@link VerifiedClient} or {@link Rejection}. */
public sealed interface Verification permits VerifiedClient, Rejection {
}
