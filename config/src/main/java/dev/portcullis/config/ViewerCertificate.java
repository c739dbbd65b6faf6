package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Objects;

/** The distribution's own certificate chain and private key (PEM files, absolute paths). */
public record ViewerCertificate(Path certificate, Path privateKey) {
    public ViewerCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }
}
