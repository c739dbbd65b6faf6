package dev.portcullis.truststore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files of X.509 certificates strictly: only {@code CERTIFICATE} blocks, blank lines and
 * {@code #} comment lines. Anything else (a private key, stray text, PEM headers, broken base64,
 * a certificate with trailing bytes) is refused with an error naming the file and line, because
 * a silently skipped block is how a CA file ends up not meaning what its operator thinks.
 */
public final class PemCertificates {
    /** Files larger than this are refused before reading (a certificate chain is a few KB). */
    static final long DEFAULT_MAX_BYTES = 1024 * 1024;
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    private PemCertificates() {
    }

    /** A certificate and the line its BEGIN marker is on (1-based), for error messages. */
    record Located(X509Certificate certificate, int line) {
    }

    /** The certificates of {@code file}, in file order; at least one. */
    public static List<X509Certificate> read(Path file) throws CertificateFileException {
        return readLocated(file, DEFAULT_MAX_BYTES).stream().map(Located::certificate).toList();
    }

    static List<Located> readLocated(Path file, long maxBytes) throws CertificateFileException {
        String text = readText(file, maxBytes);
        List<Located> certificates = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int blockStart = 0;
        String label = null;
        StringBuilder base64 = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i].strip();
            if (label == null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (!line.startsWith(BEGIN) || !line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length()) {
                    throw new CertificateFileException(file + ": line " + lineNumber
                            + ": expected '-----BEGIN CERTIFICATE-----', a '#' comment or a blank line");
                }
                label = line.substring(BEGIN.length(), line.length() - DASHES.length());
                if (!label.equals("CERTIFICATE")) {
                    throw new CertificateFileException(file + ": line " + lineNumber + ": a '" + printable(label)
                            + "' block; only CERTIFICATE blocks are allowed here");
                }
                blockStart = lineNumber;
                base64.setLength(0);
            } else if (line.startsWith(END)) {
                if (!line.equals(END + label + DASHES)) {
                    throw new CertificateFileException(file + ": line " + lineNumber
                            + ": expected '-----END CERTIFICATE-----'");
                }
                certificates.add(new Located(parse(file, certificates.size() + 1, blockStart, base64), blockStart));
                label = null;
            } else if (line.startsWith(DASHES) || line.indexOf(':') >= 0) {
                throw new CertificateFileException(file + ": line " + lineNumber
                        + ": unexpected line inside the CERTIFICATE block starting at line " + blockStart);
            } else {
                base64.append(line);
            }
        }
        if (label != null) {
            throw new CertificateFileException(file + ": line " + blockStart
                    + ": BEGIN CERTIFICATE without a matching END");
        }
        if (certificates.isEmpty()) {
            throw new CertificateFileException(file + ": no certificate in the file");
        }
        return certificates;
    }

    private static String readText(Path file, long maxBytes) throws CertificateFileException {
        try {
            if (Files.isDirectory(file)) {
                throw new CertificateFileException(file + ": is a directory, expected a PEM file");
            }
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new CertificateFileException(file + ": " + size + " bytes, more than the limit of " + maxBytes);
            }
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CertificateFileException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CertificateFileException(file + ": permission denied");
        } catch (IOException e) {
            throw new CertificateFileException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static X509Certificate parse(Path file, int position, int line, CharSequence base64)
            throws CertificateFileException {
        String where = file + ": certificate " + position + " (line " + line + ")";
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64.toString());
        } catch (IllegalArgumentException e) {
            throw new CertificateFileException(where + ": invalid base64");
        }
        X509Certificate certificate;
        try {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new CertificateFileException(where + ": not a valid X.509 certificate: " + oneLine(e.getMessage()));
        }
        try {
            if (!Arrays.equals(certificate.getEncoded(), der)) {
                throw new CertificateFileException(where + ": extra bytes after the certificate's DER");
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new CertificateFileException(where + ": not a valid X.509 certificate: " + oneLine(e.getMessage()));
        }
        return certificate;
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    static String oneLine(String message) {
        return message == null ? "" : printable(message.replace('\n', ' ').replace('\r', ' '));
    }
}
