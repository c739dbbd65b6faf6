package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CA run by the real {@code openssl ca}: its own folder with index.txt, serial and crlnumber,
 * certificates issued with openssl's extensions, revocations recorded in index.txt, and CRLs from
 * {@code openssl ca -gencrl}; the index is what {@code openssl ocsp -index} answers from. EC P-256
 * keys throughout (fast to make). Client files land in {@code out} as NAME.pem, NAME.key and
 * NAME-chain.pem (leaf and this CA, what curl's --cert takes).
 */
final class OpensslCa {
    final String name;
    final Path dir;
    final Path out;
    final Path certificate;
    final Path key;

    private OpensslCa(String name, Path dir, Path out) {
        this.name = name;
        this.dir = dir;
        this.out = out;
        this.certificate = dir.resolve("ca.pem");
        this.key = dir.resolve("ca.key");
    }

    /** A self-signed root CA named {@code subject}. */
    static OpensslCa root(String name, Path out, String subject) {
        OpensslCa ca = prepare(name, out);
        ca.run("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", ca.key.toString(), "-out", ca.certificate.toString(), "-days", "3650", "-subj", subject,
                "-config", ca.config().toString(), "-extensions", "v3_ca");
        return ca;
    }

    /** An intermediate CA issued by {@code parent} (recorded in the parent's index, so the parent's CRL can revoke it). */
    static OpensslCa intermediate(String name, Path out, String subject, OpensslCa parent) {
        OpensslCa ca = prepare(name, out);
        Path csr = ca.dir.resolve("ca.csr");
        ca.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", ca.key.toString(), "-out", csr.toString(), "-subj", subject);
        parent.run("ca", "-batch", "-config", parent.config().toString(), "-extensions", "v3_ca", "-days", "3650",
                "-in", csr.toString(), "-out", ca.certificate.toString(), "-notext");
        return ca;
    }

    private static OpensslCa prepare(String name, Path out) {
        try {
            Path dir = Files.createDirectories(out.resolve("ca-" + name));
            Files.createDirectories(dir.resolve("newcerts"));
            Files.writeString(dir.resolve("index.txt"), "");
            Files.writeString(dir.resolve("index.txt.attr"), "unique_subject = no\n");
            Files.writeString(dir.resolve("serial"), "1000\n");
            Files.writeString(dir.resolve("crlnumber"), "01\n");
            OpensslCa ca = new OpensslCa(name, dir, out);
            Files.writeString(ca.config(), """
                    [ ca ]
                    default_ca = CA_default
                    [ CA_default ]
                    dir = %s
                    database = $dir/index.txt
                    new_certs_dir = $dir/newcerts
                    serial = $dir/serial
                    crlnumber = $dir/crlnumber
                    certificate = $dir/ca.pem
                    private_key = $dir/ca.key
                    default_md = sha256
                    default_days = 365
                    default_crl_days = 7
                    policy = policy_any
                    unique_subject = no
                    copy_extensions = none
                    crl_extensions = crl_ext
                    [ policy_any ]
                    commonName = supplied
                    organizationName = optional
                    organizationalUnitName = optional
                    countryName = optional
                    [ req ]
                    distinguished_name = dn
                    [ dn ]
                    [ v3_ca ]
                    basicConstraints = critical,CA:true
                    keyUsage = critical,keyCertSign,cRLSign
                    subjectKeyIdentifier = hash
                    authorityKeyIdentifier = keyid
                    [ crl_ext ]
                    authorityKeyIdentifier = keyid
                    [ ocsp_signer ]
                    basicConstraints = CA:false
                    keyUsage = critical,digitalSignature
                    extendedKeyUsage = OCSPSigning
                    subjectKeyIdentifier = hash
                    authorityKeyIdentifier = keyid
                    """.formatted(dir));
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path config() {
        return dir.resolve("openssl.cnf");
    }

    /**
     * Issues a client certificate {@code file} (CN = file) with an OCSP URL in its Authority
     * Information Access, or none when {@code ocspUrl} is null.
     */
    Path issueClient(String file, String ocspUrl) {
        return issue(file, "client_" + file, """
                basicConstraints = CA:false
                keyUsage = critical,digitalSignature
                extendedKeyUsage = clientAuth
                subjectKeyIdentifier = hash
                authorityKeyIdentifier = keyid
                """ + (ocspUrl == null ? "" : "authorityInfoAccess = OCSP;URI:" + ocspUrl + "\n"));
    }

    /** A delegated OCSP responder certificate (id-kp-OCSPSigning) issued by this CA. */
    Path issueOcspSigner(String file) {
        return issue(file, "ocsp_signer", null);
    }

    private Path issue(String file, String section, String extensions) {
        try {
            if (extensions != null) {
                Files.writeString(config(), "[ " + section + " ]\n" + extensions, java.nio.file.StandardOpenOption.APPEND);
            }
            Path keyFile = out.resolve(file + ".key");
            Path csr = dir.resolve(file + ".csr");
            Path pem = out.resolve(file + ".pem");
            run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyFile.toString(),
                    "-out", csr.toString(), "-subj", "/CN=" + file + "/O=Revocation Tests");
            run("ca", "-batch", "-config", config().toString(), "-extensions", section, "-in", csr.toString(),
                    "-out", pem.toString(), "-notext");
            Files.writeString(out.resolve(file + "-chain.pem"), Files.readString(pem) + Files.readString(certificate));
            return pem;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records the revocation in index.txt (what the responder and the next CRL say). */
    void revoke(Path pem) {
        run("ca", "-config", config().toString(), "-revoke", pem.toString(), "-crl_reason", "keyCompromise");
    }

    /** A CRL from {@code openssl ca -gencrl}, PEM, valid for a week. */
    Path crl(Path file) {
        run("ca", "-gencrl", "-config", config().toString(), "-out", file.toString());
        return file;
    }

    /** A CRL whose validity ended long ago ({@code -crl_lastupdate}/{@code -crl_nextupdate}). */
    Path expiredCrl(Path file) {
        run("ca", "-gencrl", "-config", config().toString(), "-crl_lastupdate", "20200101000000Z",
                "-crl_nextupdate", "20200108000000Z", "-out", file.toString());
        return file;
    }

    /** The command line of a real responder for this CA's index, signed by {@code signer}. */
    List<String> responder(int port, Path signer, Path signerKey) {
        return List.of("openssl", "ocsp", "-index", dir.resolve("index.txt").toString(), "-port", Integer.toString(port),
                "-rsigner", signer.toString(), "-rkey", signerKey.toString(), "-CA", certificate.toString(),
                "-nmin", "10", "-text", "-ignore_err");
    }

    void run(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Proc run = Proc.run(command);
        assertThat(run.exitCode()).as(String.join(" ", command) + "\n" + run.stderr()).isZero();
    }
}
