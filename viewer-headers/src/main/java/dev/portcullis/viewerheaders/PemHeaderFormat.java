package dev.portcullis.viewerheaders;

import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * Re-encodes a certificate header's certificates as a viewer function asked with
 * {@code cf.mtls.renamePemHeaders} or {@code combinePemHeaders} ({@code pemCertFormatInfo}): each
 * certificate is {@code certHeader + base64 + certFooter + certEndMarker}. A null field keeps the
 * header's own: {@code -----BEGIN/END CERTIFICATE-----} and a final newline, with newlines kept every
 * 64 characters, for {@code CloudFront-Viewer-Cert-Pem}; {@code :} and {@code :}, nothing after, one
 * line, for {@code Client-Cert} and {@code Client-Cert-Chain} (whose items are then separated by
 * {@code ", "} as RFC 9440 lists are).
 *
 * <p>A header value never carries a raw control character: the PEM header is percent-encoded as
 * CloudFront encodes it, and in the others a kept newline or any other byte outside printable ASCII
 * is percent-encoded too.
 */
public final class PemHeaderFormat {
    private final String certHeader;
    private final String certFooter;
    private final String certEndMarker;
    private final Boolean keepNewlines;

    public PemHeaderFormat(String certHeader, String certFooter, String certEndMarker, Boolean keepNewlines) {
        this.certHeader = certHeader;
        this.certFooter = certFooter;
        this.certEndMarker = certEndMarker;
        this.keepNewlines = keepNewlines;
    }

    /** The value for {@code CloudFront-Viewer-Cert-Pem} (the leaf), percent-encoded. */
    public String pem(X509Certificate leaf) {
        return ViewerCertHeaders.percentEncode(item(leaf, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                "\n", true));
    }

    /** The value for {@code Client-Cert} (the leaf) or {@code Client-Cert-Chain} (the rest). */
    public String byteSequences(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < certificates.size(); i++) {
            if (i > 0 && certEndMarker == null) {
                out.append(", ");
            }
            out.append(item(certificates.get(i), ":", ":", "", false));
        }
        return printable(out.toString());
    }

    /** combinePemHeaders: every certificate, leaf first, the end marker (default ",") between them. */
    public String combined(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < certificates.size(); i++) {
            if (i > 0) {
                out.append(certEndMarker == null ? "," : certEndMarker);
            }
            X509Certificate c = certificates.get(i);
            out.append(certHeader == null ? ":" : certHeader).append(base64(c, Boolean.TRUE.equals(keepNewlines)))
                    .append(certFooter == null ? ":" : certFooter);
        }
        return printable(out.toString());
    }

    private String item(X509Certificate c, String header, String footer, String endMarker, boolean newlinesByDefault) {
        boolean keep = keepNewlines == null ? newlinesByDefault : keepNewlines;
        String data = base64(c, keep);
        String head = certHeader == null ? header : certHeader;
        String foot = certFooter == null ? footer : certFooter;
        String end = certEndMarker == null ? endMarker : certEndMarker;
        return keep ? head + "\n" + data + "\n" + foot + end : head + data + foot + end;
    }

    private static String base64(X509Certificate c, boolean lines) {
        byte[] der = ViewerCertHeaders.der(c);
        return lines ? Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                : Base64.getEncoder().encodeToString(der);
    }

    /** Keeps printable ASCII as it is and percent-encodes everything else (a kept newline is %0A). */
    private static String printable(String value) {
        return dev.portcullis.config.PercentEncoding.encode(value, dev.portcullis.config.PercentEncoding.PRINTABLE);
    }
}
