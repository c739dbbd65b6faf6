package dev.portcullis.proxy.cli;

import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.pki.KeyType;
import dev.portcullis.pki.LocalCa;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code portcullis pki}: a local CA for development and tests, as the AWS blog's PKI is shaped. */
@Command(name = "pki", mixinStandardHelpOptions = true,
        description = "A local CA in a directory: init, issue client certificates, revoke them (CRL), list.",
        subcommands = {PkiCommand.Init.class, PkiCommand.Issue.class, PkiCommand.Revoke.class, PkiCommand.ListIssued.class})
final class PkiCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static KeyType keyType(String key) {
        return switch (key) {
            case "ec" -> KeyType.EC_P256;
            case "rsa" -> KeyType.RSA_2048;
            default -> throw new IllegalArgumentException("--key: expected ec or rsa, got '" + key + "'");
        };
    }

    /** Runs a step and turns a refusal into one line on stderr and exit status 2. */
    static int guarded(Callable<Integer> step) {
        try {
            return step.call();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("portcullis pki: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("portcullis pki: " + e);
            return 1;
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Make a root and an intermediate CA: Root_CA.pem/.key, Intermediate_CA.pem/.key, "
                    + "Trust_store_bundle.pem (the trust store), crl.pem (empty).")
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, description = "directory for the CA (created if missing)")
        Path dir;

        @Option(names = "--key", defaultValue = "ec", description = "ec (P-256, default) or rsa (2048)")
        String key;

        @Override
        public Integer call() {
            return guarded(() -> {
                LocalCa.init(dir, keyType(key));
                System.out.println("CA in " + dir + "; trust store bundle: " + dir.resolve(LocalCa.BUNDLE));
                return 0;
            });
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Issue a client certificate CN=NAME (or with --server a server certificate): NAME.pem, "
                    + "NAME.key and NAME-chain.pem (leaf and intermediate, for curl --cert or a viewerCertificate).")
    static final class Issue implements Callable<Integer> {
        @Option(names = "--dir", required = true)
        Path dir;

        @Option(names = "--name", required = true, description = "the certificate's CN and file name")
        String name;

        @Option(names = "--days", defaultValue = "365")
        int days;

        @Option(names = "--key", defaultValue = "ec", description = "ec (P-256, default) or rsa (2048)")
        String key;

        @Option(names = "--san", split = ",", description = "DNS:name, URI:spiffe://..., IP:addr (comma-separated)")
        List<String> sans = List.of();

        @Option(names = "--ocsp-url", description = "OCSP responder to name in the certificate (AIA)")
        String ocspUrl;

        @Option(names = "--server", description = "a server certificate (serverAuth) for the --san names, e.g. for a"
                + " local edge, instead of a client certificate")
        boolean server;

        @Override
        public Integer call() {
            return guarded(() -> {
                if (days < 1) {
                    throw new IllegalArgumentException("--days: must be at least 1");
                }
                if (server && sans.stream().noneMatch(s -> s.startsWith("DNS:") || s.startsWith("IP:"))) {
                    throw new IllegalArgumentException("--server: name the server with --san DNS:host (or IP:addr)");
                }
                IssuedCertificate leaf = LocalCa.open(dir).issue(name, Duration.ofDays(days), keyType(key), sans, ocspUrl,
                        server);
                System.out.println(dir.resolve(name + "-chain.pem") + " (serial "
                        + LocalCa.hex(leaf.certificate().getSerialNumber()) + ", until " + leaf.certificate().getNotAfter().toInstant() + ")");
                return 0;
            });
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Add a serial (hex, colons allowed) to the intermediate's CRL, crl.pem.")
    static final class Revoke implements Callable<Integer> {
        @Option(names = "--dir", required = true)
        Path dir;

        @Option(names = "--serial", required = true, description = "hex, as pki list or the connection log print it")
        String serial;

        @Option(names = "--store", description = "also put the serial into this KeyValueStore of a running node")
        String store;

        @Option(names = "--admin", defaultValue = "http://127.0.0.1:9901",
                description = "the node's admin listener, with --store (default: ${DEFAULT-VALUE})")
        String admin;

        @Override
        public Integer call() {
            return guarded(() -> {
                BigInteger number;
                try {
                    number = new BigInteger(serial.replace(":", ""), 16);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--serial: '" + serial + "' is not a hex serial number");
                }
                LocalCa.open(dir).revoke(number);
                String key = LocalCa.hex(number);
                System.out.println("revoked " + key + " in " + dir.resolve(LocalCa.CRL));
                if (store == null) {
                    return 0;
                }
                // The key as the blog's function looks it up: the serial's DER bytes in hex, no colons.
                KvsCommand.Target node = new KvsCommand.Target();
                node.store = store;
                node.admin = admin;
                return node.write("PUT", "/keys/" + KvsCommand.encode(key),
                        KvsCommand.json(java.util.Map.of("Value", "revoked " + java.time.LocalDate.now())));
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Issued certificates, their expiry and whether revoked.")
    static final class ListIssued implements Callable<Integer> {
        @Option(names = "--dir", required = true)
        Path dir;

        @Override
        public Integer call() {
            return guarded(() -> {
                System.out.printf("%-24s %-34s %-22s %s%n", "name", "serial", "notAfter", "status");
                for (LocalCa.Issued i : LocalCa.open(dir).list()) {
                    System.out.printf("%-24s %-34s %-22s %s%n", i.name(), i.serialHex(), i.notAfter(),
                            i.revoked() ? "revoked" : i.notAfter().isBefore(java.time.Instant.now()) ? "expired" : "valid");
                }
                return 0;
            });
        }
    }
}
