package dev.portcullis.revocation;

import dev.portcullis.config.OcspConfig;
import dev.portcullis.config.TrustStoreConfig;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.CertificateRevocation.Method;
import dev.portcullis.truststore.CertificateRevocation.Status;
import dev.portcullis.truststore.RevocationStatus;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.ValidatedPath;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * One trust store's revocation checks, for one generation: its CRLs for every certificate of a
 * validated path below the anchor (the trust store's own intermediates included, so a root's CRL
 * that revokes an intermediate refuses that intermediate's leaves), and, with
 * {@code useClientCertificateOcspEndpoint}, OCSP for the certificates the client sent (as
 * CloudFront: the leaf and up to three intermediates; trust store certificates are anchors and are
 * not asked about). The OCSP questions of one path go out together; the answer waits for them at
 * most the store's timeout, and only when the caller may wait (never on an event loop).
 */
public final class RevocationChecker {
    private static final String OCSP_ACCESS_METHOD = "1.3.6.1.5.5.7.48.1";

    private final String trustStoreId;
    private final CrlSet crls;
    private final boolean ocsp;
    private final OcspConfig settings;
    private final OcspClient client;
    private final Clock clock;

    public RevocationChecker(String trustStoreId, CrlSet crls, boolean ocsp, OcspConfig settings, OcspClient client,
                             Clock clock) {
        if (ocsp && client == null) {
            throw new IllegalArgumentException("OCSP checks need an OCSP client");
        }
        this.trustStoreId = trustStoreId;
        this.crls = crls;
        this.ocsp = ocsp;
        this.settings = settings;
        this.client = client;
        this.clock = clock;
    }

    /** Loads the store's CRLs; refuses with the file named when one cannot be used. */
    public static RevocationChecker load(TrustStoreConfig config, TrustStore store, OcspClient client, Clock clock)
            throws RevocationConfigException {
        CrlSet crls = new CrlSet(CrlLoader.load(store, config.crls(), clock.instant()), config.requireCrlForEveryIssuer());
        return new RevocationChecker(config.id(), crls, config.useClientCertificateOcspEndpoint(), config.ocsp(), client, clock);
    }

    public String trustStoreId() {
        return trustStoreId;
    }

    /** Whether any check applies: without one, handshakes carry no revocationStatus. */
    public boolean active() {
        return ocsp || crls.active();
    }

    /** Whether a check may have to wait for a responder (then it must run where waiting is allowed). */
    public boolean asksResponders() {
        return ocsp;
    }

    public OcspConfig.Undetermined undetermined() {
        return settings.undetermined();
    }

    public CrlSet crls() {
        return crls;
    }

    /** Starts the OCSP requests {@code path} needs (those not answered from the cache) and returns at once. */
    public void prefetch(ValidatedPath path) {
        if (!ocsp || path == null) {
            return;
        }
        for (ValidatedPath.Link link : path.links()) {
            if (!link.inTrustStore()) {
                URI responder = settings.responderUrl().orElseGet(() -> ocspUrl(link.certificate()));
                if (responder != null) {
                    client.status(link.certificate(), link.issuer(), responder, settings);
                }
            }
        }
    }

    /** As {@link #check(ValidatedPath, boolean, long, CompletableFuture)}, bounded by the store's timeout only. */
    public RevocationStatus check(ValidatedPath path, boolean mayWait) {
        return check(path, mayWait, Long.MAX_VALUE, new CompletableFuture<>());
    }

    /**
     * The status of {@code path}. With {@code mayWait} false (an event loop) only cached OCSP answers
     * count; a question that would need a request is an Error. A wait for a responder ends at the
     * store's timeout, at {@code deadlineNanos} (System.nanoTime), or when {@code abandon} completes
     * (the connection closed), whichever comes first; what is unanswered then is an Error (Timeout).
     * Never throws.
     */
    public RevocationStatus check(ValidatedPath path, boolean mayWait, long deadlineNanos, CompletableFuture<?> abandon) {
        if (path == null) {
            return new RevocationStatus(CertificateRevocation.undetermined(Method.CRL, Status.Error, "Internal", "",
                    "no validated path to check"), List.of());
        }
        Instant now = clock.instant();
        List<ValidatedPath.Link> links = path.links();
        List<Optional<CertificateRevocation>> byCrl = new ArrayList<>(links.size());
        List<CompletableFuture<OcspAnswer>> asked = new ArrayList<>(links.size());
        List<CertificateRevocation> noUrl = new ArrayList<>(links.size());
        for (ValidatedPath.Link link : links) {
            Optional<CertificateRevocation> crl = crls.active() ? crls.check(link, now) : Optional.empty();
            byCrl.add(crl);
            CompletableFuture<OcspAnswer> answer = null;
            CertificateRevocation missing = null;
            boolean revokedByCrl = crl.isPresent() && crl.get().status() == Status.Revoked;
            if (ocsp && !link.inTrustStore() && !revokedByCrl) {
                URI responder = settings.responderUrl().orElseGet(() -> ocspUrl(link.certificate()));
                if (responder == null) {
                    missing = CertificateRevocation.undetermined(Method.OCSP, Status.Error, CertificateRevocation.NO_RESPONDER_URL,
                            CertificateFacts.serialOf(link.certificate()), "no OCSP responder URL in the certificate's"
                                    + " Authority Information Access, and no ocsp.responderUrl");
                } else if (mayWait) {
                    answer = client.status(link.certificate(), link.issuer(), responder, settings);
                } else {
                    OcspAnswer hit = client.cached(link.certificate(), link.issuer(), responder, settings);
                    answer = CompletableFuture.completedFuture(hit != null ? hit
                            : OcspAnswer.error("NotChecked", "not in the OCSP cache, and not asked on an event loop", now));
                }
            }
            asked.add(answer);
            noUrl.add(missing);
        }
        long deadline = Math.min(deadlineNanos, System.nanoTime() + settings.timeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(100));
        CertificateRevocation leaf = null;
        List<CertificateRevocation> above = new ArrayList<>(links.size());
        for (int i = 0; i < links.size(); i++) {
            String serial = null;
            CertificateRevocation byOcsp = noUrl.get(i);
            if (asked.get(i) != null) {
                serial = CertificateFacts.serialOf(links.get(i).certificate());
                byOcsp = toRevocation(await(asked.get(i), deadline, abandon), serial);
            }
            Optional<CertificateRevocation> result = combine(byCrl.get(i), byOcsp);
            if (i == 0) {
                leaf = result.orElse(null);
            } else {
                result.ifPresent(above::add);
            }
        }
        return new RevocationStatus(leaf, above);
    }

    /** Revoked by either wins; else an undetermined CRL or OCSP result; else whatever checked it. */
    private static Optional<CertificateRevocation> combine(Optional<CertificateRevocation> crl, CertificateRevocation ocsp) {
        if (ocsp == null) {
            return crl;
        }
        if (crl.isEmpty() || ocsp.status() == Status.Revoked || crl.get().status() == Status.Good) {
            return Optional.of(ocsp);
        }
        return crl; // the CRL revoked it, or cannot tell
    }

    private static OcspAnswer await(CompletableFuture<OcspAnswer> answer, long deadline, CompletableFuture<?> abandon) {
        try {
            if (answer.isDone()) {
                return answer.getNow(null);
            }
            long left = deadline - System.nanoTime();
            CompletableFuture.anyOf(answer, abandon).get(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (!answer.isDone()) {
                return OcspAnswer.error("Timeout", "the connection closed while waiting for OCSP", Instant.now());
            }
            return answer.getNow(null);
        } catch (TimeoutException e) {
            return OcspAnswer.error("Timeout", "no OCSP answer in time", Instant.now());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OcspAnswer.error("Internal", "interrupted while waiting for OCSP", Instant.now());
        } catch (ExecutionException e) {
            return OcspAnswer.error("Internal", String.valueOf(e.getCause()), Instant.now());
        }
    }

    private static CertificateRevocation toRevocation(OcspAnswer answer, String serial) {
        return switch (answer.status()) {
            case Good -> CertificateRevocation.good(Method.OCSP, serial);
            case Revoked -> CertificateRevocation.revoked(Method.OCSP, serial, answer.detail());
            case Unknown, Error -> CertificateRevocation.undetermined(Method.OCSP, answer.status(), answer.errorType(), serial,
                    answer.detail());
        };
    }

    /** The first http(s) OCSP URL of the certificate's Authority Information Access, or null. */
    static URI ocspUrl(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue("1.3.6.1.5.5.7.1.1");
        if (extension == null) {
            return null;
        }
        try {
            AuthorityInformationAccess access = AuthorityInformationAccess.getInstance(
                    ASN1OctetString.getInstance(extension).getOctets());
            for (AccessDescription description : access.getAccessDescriptions()) {
                if (description.getAccessMethod().getId().equals(OCSP_ACCESS_METHOD)
                        && description.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
                    URI uri = URI.create(description.getAccessLocation().getName().toString());
                    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
                    if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                        return uri;
                    }
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }
}
