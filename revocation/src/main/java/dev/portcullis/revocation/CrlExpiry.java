package dev.portcullis.revocation;

import dev.portcullis.truststore.Rfc2253Names;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns before a CRL expires and says loudly when one has: past its nextUpdate a CRL makes every
 * certificate it covers undetermined, so its clients are refused (fail closed) until a fresh CRL
 * is loaded. One WARN per CRL when it enters its last tenth of validity (at least the last hour),
 * one ERROR when it expires; both once per CRL version (file and thisUpdate), checked every
 * {@value #PERIOD_SECONDS} seconds on one daemon thread.
 */
public final class CrlExpiry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis");
    static final long PERIOD_SECONDS = 30;

    private final Supplier<Map<String, RevocationChecker>> current;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portcullis-crl-expiry");
        t.setDaemon(true);
        return t;
    });

    private CrlExpiry(Supplier<Map<String, RevocationChecker>> current) {
        this.current = current;
    }

    /** Watches whatever {@code current} returns (the serving generation's checkers). */
    public static CrlExpiry watch(Supplier<Map<String, RevocationChecker>> current) {
        CrlExpiry expiry = new CrlExpiry(current);
        expiry.thread.scheduleWithFixedDelay(expiry::check, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
        return expiry;
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

    void check() {
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

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
