package dev.portcullis.proxy.http;

import dev.portcullis.functions.ViewerOutcome;
import dev.portcullis.functions.ViewerOutcome.CertificateHeaderChange;
import dev.portcullis.viewerheaders.PemHeaderFormat;
import dev.portcullis.viewerheaders.ViewerCertHeaders;
import dev.portcullis.viewerheaders.ViewerHeader;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies what a viewer-request function asked with {@code cf.mtls} to the certificate headers the
 * node adds to the origin request: renames ({@code renameClientCertHeaders}), renames with a new
 * encoding ({@code renamePemHeaders}) and {@code combinePemHeaders}. Only headers the connection has
 * and the origin request policy forwards are changed; a directive for one that is absent does nothing
 * (as combinePemHeaders does in required and optional modes, which have no Client-Cert).
 */
final class CertificateHeaderChanges {
    private CertificateHeaderChanges() {
    }

    static List<ViewerHeader> apply(List<ViewerHeader> headers, List<CertificateHeaderChange> changes,
                                    List<X509Certificate> chain) {
        if (changes.isEmpty()) {
            return headers;
        }
        List<ViewerHeader> out = new ArrayList<>(headers);
        for (CertificateHeaderChange change : changes) {
            if (change.source().equals(CertificateHeaderChange.COMBINED)) {
                combine(out, change, chain);
                continue;
            }
            for (int i = 0; i < out.size(); i++) {
                ViewerHeader h = out.get(i);
                if (h.name().equalsIgnoreCase(change.source())) {
                    out.set(i, new ViewerHeader(change.target(), reformatted(h, change.format(), chain)));
                }
            }
        }
        return out;
    }

    private static String reformatted(ViewerHeader header, ViewerOutcome.PemFormat format, List<X509Certificate> chain) {
        if (format == null || chain.isEmpty()) {
            return header.value();
        }
        PemHeaderFormat pem = new PemHeaderFormat(format.certHeader(), format.certFooter(), format.certEndMarker(),
                format.keepNewlinesInCertData());
        if (header.name().equalsIgnoreCase(ViewerCertHeaders.PEM)) {
            return pem.pem(chain.getFirst());
        }
        if (header.name().equalsIgnoreCase(ViewerCertHeaders.CLIENT_CERT)) {
            return pem.byteSequences(chain.subList(0, 1));
        }
        if (header.name().equalsIgnoreCase(ViewerCertHeaders.CLIENT_CERT_CHAIN)) {
            return pem.byteSequences(chain.subList(1, chain.size()));
        }
        return header.value();
    }

    private static void combine(List<ViewerHeader> out, CertificateHeaderChange change, List<X509Certificate> chain) {
        boolean present = out.removeIf(h -> h.name().equalsIgnoreCase(ViewerCertHeaders.CLIENT_CERT)
                || h.name().equalsIgnoreCase(ViewerCertHeaders.CLIENT_CERT_CHAIN));
        if (!present || chain.isEmpty()) {
            return;
        }
        ViewerOutcome.PemFormat f = change.format();
        PemHeaderFormat pem = f == null ? new PemHeaderFormat(null, null, null, null)
                : new PemHeaderFormat(f.certHeader(), f.certFooter(), f.certEndMarker(), f.keepNewlinesInCertData());
        out.add(new ViewerHeader(change.target(), pem.combined(chain)));
    }
}
