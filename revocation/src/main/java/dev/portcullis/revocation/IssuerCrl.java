package dev.portcullis.revocation;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * One loaded CRL: who issued it, when it was made and when the next is due, and its revoked serials
 * in a hash map (an O(1) lookup on a 100,000-entry list). Its issuer is a trust store CA whose key
 * verified it while loading ({@code verifiedKey}); CRLs of other issuers are refused.
 *
 * @param source      the file it came from, for messages
 * @param issuer      the issuer name the CRL carries
 * @param thisUpdate  when it was issued
 * @param nextUpdate  when the next one is due; empty when the CRL names none
 * @param crlNumber   the CRL number, or -1 without one
 * @param revoked     serial to revocation time (entries that only remove a hold are left out)
 * @param verifiedKey the trust store key that verified it
 * @param scope       the distribution point names of its issuingDistributionPoint: a partition of the
 *                    CA's CRLs covers only certificates that point to one of them; empty: the whole CA
 */
public record IssuerCrl(Path source, X500Principal issuer, Instant thisUpdate, Optional<Instant> nextUpdate,
                        BigInteger crlNumber, Map<BigInteger, Instant> revoked, PublicKey verifiedKey,
                        java.util.Set<org.bouncycastle.asn1.x509.GeneralName> scope) {

    static IssuerCrl of(Path source, X500Principal issuer, Instant thisUpdate, Optional<Instant> nextUpdate,
                        BigInteger crlNumber, Map<BigInteger, Instant> revoked, PublicKey verifiedKey,
                        java.util.Set<org.bouncycastle.asn1.x509.GeneralName> scope) {
        // A HashMap, not Map.copyOf: CAs number certificates one after another, and the immutable map's
        // linear probing on such consecutive hashes makes a miss walk the whole cluster (105 µs on a
        // 100,000-entry CRL, measured: CrlCheckBenchmark); HashMap spreads them into their own buckets.
        return new IssuerCrl(source, issuer, thisUpdate, nextUpdate, crlNumber,
                java.util.Collections.unmodifiableMap(new java.util.HashMap<>(revoked)), verifiedKey,
                java.util.Set.copyOf(scope));
    }

    /** Whether this CRL was signed with {@code issuerKey} (the trust store key that verified it at load). */
    boolean signedWith(PublicKey issuerKey) {
        return verifiedKey.equals(issuerKey);
    }

    static boolean signatureValid(X509CRLHolder holder, PublicKey key) {
        try {
            return holder.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (Exception e) {
            return false;
        }
    }

    public boolean expiredAt(Instant now) {
        return nextUpdate.isPresent() && now.isAfter(nextUpdate.get());
    }

    @Override
    public String toString() {
        return source + " (issuer " + issuer.getName() + ", " + revoked.size() + " entries)";
    }
}
