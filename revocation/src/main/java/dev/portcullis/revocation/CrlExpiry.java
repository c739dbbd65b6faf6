package dev.portcullis.revocation;

import dev.portcullis.truststore.Rfc2253Names;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns before a CRL expires and says loudly when one has: past its nextUpdate a CRL makes every
 * certificate it covers undetermined, so its clients are refused (fail closed) until a fresh CRL
 * is loaded. One WARN per CRL when it enters its last tenth of validity (at least the last hour),
 * one ERROR when it expires; both once per CRL version (file and thisUpdate), each time the owner
 * calls {@link #check} (the node's periodic revocation tick).
 */
public final class CrlExpiry {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis");

    private final Supplier<Map<String, RevocationChecker>> current;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** Watches whatever {@code current} returns (the serving generation's checkers). */
    public CrlExpiry(Supplier<Map<String, RevocationChecker>> current) {
        this.current = current;
    }

    /** At load: a CRL that is already expired, or about to, is loaded (it still revokes) but said so. */
    public static void warnAtLoad(String trustStoreId, CrlSet crls, Instant now) {
        for (IssuerCrl crl : crls.crls()) {
            String message = message(trustStoreId, crl, now);
            if (message != null) {
                LOG.warn(message);
            }
        }
    }

    /** Logs what has come due since the last call; never throws. */
    public void check() {
        try {
            Instant now = Instant.now();
            current.get().forEach((store, checker) -> {
                for (IssuerCrl crl : checker.crls().crls()) {
                    String message = message(store, crl, now);
                    String version = crl.source() + "@" + crl.thisUpdate() + (crl.expiredAt(now) ? "/expired" : "/soon");
                    if (message != null && warned.add(version)) {
                        if (crl.expiredAt(now)) {
                            LOG.error(message);
                        } else {
                            LOG.warn(message);
                        }
                    }
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("CRL expiry check failed: {}", e.toString());
        }
    }

    /** Seconds until the CRL's nextUpdate (negative once past), or +infinity without one. */
    public static double secondsUntilNextUpdate(IssuerCrl crl, Instant now) {
        return crl.nextUpdate().map(next -> Duration.between(now, next).toMillis() / 1000.0)
                .orElse(Double.POSITIVE_INFINITY);
    }

    static String message(String store, IssuerCrl crl, Instant now) {
        if (crl.nextUpdate().isEmpty()) {
            return null;
        }
        Instant next = crl.nextUpdate().get();
        String which = "trust store " + store + ": CRL " + crl.source() + " of '" + Rfc2253Names.format(crl.issuer()) + "'";
        if (crl.expiredAt(now)) {
            return which + " expired at " + next + ": the certificates it covers are refused as ClientCertRevocationUnknown"
                    + " until a fresh CRL is loaded (reload after replacing the file)";
        }
        Duration validity = Duration.between(crl.thisUpdate(), next);
        Duration margin = validity.dividedBy(10).compareTo(Duration.ofHours(1)) > 0 ? validity.dividedBy(10) : Duration.ofHours(1);
        if (Duration.between(now, next).compareTo(margin) <= 0) {
            return which + " expires at " + next + " (in " + Duration.between(now, next).toMinutes() + " min): replace it"
                    + " and reload before then";
        }
        return null;
    }
}
