package dev.portcullis.proxy.cli;

import dev.portcullis.config.ConnectionFunctionConfig;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.FunctionConfig;
import dev.portcullis.functions.ViewerEvent;
import dev.portcullis.functions.ViewerFunction;
import dev.portcullis.functions.ViewerOutcome;
import dev.portcullis.config.KeyValueStoreConfig;
import dev.portcullis.functions.ClientCertificate;
import dev.portcullis.functions.ConnectionDecision;
import dev.portcullis.functions.ConnectionFunction;
import dev.portcullis.functions.ConnectionInput;
import dev.portcullis.functions.FunctionCompileException;
import dev.portcullis.functions.FunctionLimits;
import dev.portcullis.functions.KeyValueStore;
import dev.portcullis.functions.KeyValueStoreException;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.proxy.tls.ConnectionIds;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.CertificateFileException;
import dev.portcullis.truststore.PemCertificates;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a connection function offline, like CloudFront's TestConnectionFunction: the certificate is
 * not checked against a trust store; the function sees it as it would after validation passed.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Run a connection function once against a certificate and print its decision, custom log data, "
                + "console output and time used; or, with --event-type and --request, a function from functions on a"
                + " CloudFront event, printing the resulting request or response. Exits 0 when the function ran"
                + " (whatever it decided).")
final class FunctionTestCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The config file that defines the function.")
    Path config;

    @Option(names = "--function", required = true, description = "The function's name (connectionFunctions[].name, or"
            + " functions[].name with --event-type).")
    String function;

    @Option(names = "--cert", description = "The client's leaf certificate (PEM). Omit to test a connection without one.")
    Path cert;

    @Option(names = "--chain", description = "Intermediate certificates the client would send (PEM).")
    Path chain;

    @Option(names = "--client-ip", defaultValue = "203.0.113.7", description = "The viewer address the function sees (default: ${DEFAULT-VALUE}).")
    String clientIp;

    @Option(names = "--sni", defaultValue = "localhost", description = "The endpoint (SNI) the function sees (default: ${DEFAULT-VALUE}).")
    String sni;

    @Option(names = "--revocation-status", description = "A revocationStatus the function sees on the certificate (JSON,"
            + " as connection.clientCertificate.revocationStatus: chainValidity and certificates.leaf/intermediates with"
            + " method, status, errorType, serialNumber). Needs --cert.")
    Path revocationStatus;

    @Option(names = "--event-type", description = "viewer-request or viewer-response: test a function from functions"
            + " (a CloudFront Function) with the event in --request, instead of a connection function.")
    String eventType;

    @Option(names = "--request", description = "The event object for --event-type (JSON, as CloudFront's TestFunction"
            + " takes it: {request: {method, uri, querystring, headers, cookies}, response: {...}}).")
    Path request;

    @Override
    public Integer call() {
        Optional<EdgeConfig> loaded = ConfigFiles.load(config);
        if (loaded.isEmpty()) {
            return 2;
        }
        EdgeConfig edge = loaded.get();
        if (eventType != null || request != null) {
            return viewerFunction(edge);
        }
        Optional<ConnectionFunctionConfig> definition = edge.connectionFunction(function);
        if (definition.isEmpty()) {
            System.err.println("no connection function named '" + function + "' in " + config);
            return 2;
        }
        ConnectionFunctionConfig f = definition.get();
        try {
            KeyValueStores stores = KeyValueStores.of();
            for (String name : f.keyValueStoreAssociations()) {
                KeyValueStoreConfig store = edge.keyValueStore(name).orElseThrow();
                stores.replace(KeyValueStore.importFrom(store.name(), store.importSource()));
            }
            Optional<ClientCertificate> certificate = certificate();
            if (revocationStatus != null) {
                if (certificate.isEmpty()) {
                    System.err.println("--revocation-status needs --cert: the status belongs to a client certificate");
                    return 2;
                }
                ClientCertificate c = certificate.get();
                certificate = Optional.of(new ClientCertificate(c.leaf(), c.intermediates(),
                        Optional.of(RevocationStatusFile.read(revocationStatus))));
            }
            String distribution = edge.distributions().stream()
                    .filter(d -> d.connectionFunctionId().filter(function::equals).isPresent())
                    .map(d -> d.id()).findFirst().orElse(edge.distributions().get(0).id());
            try (ConnectionFunction compiled = ConnectionFunction.compile(f.name(), f.code(),
                    f.keyValueStoreAssociations().stream().findFirst(), new FunctionLimits(f.timeout(), f.maxMemoryBytes()), stores)) {
                ConnectionDecision decision = compiled.invoke(new ConnectionInput("test-" + ConnectionIds.next(), clientIp, sni,
                        distribution, certificate));
                print(decision);
            }
            return 0;
        } catch (KeyValueStoreException | FunctionCompileException | CertificateFileException | java.io.IOException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** A viewer function: the event from --request, the resulting request or response printed as JSON. */
    private int viewerFunction(EdgeConfig edge) {
        ViewerEvent.EventType type = ViewerEvent.EventType.of(eventType == null ? "" : eventType);
        if (type == null || request == null) {
            System.err.println("--event-type viewer-request|viewer-response and --request event.json go together");
            return 2;
        }
        Optional<FunctionConfig> definition = edge.function(function);
        if (definition.isEmpty()) {
            System.err.println("no function named '" + function + "' under functions in " + config
                    + (edge.connectionFunction(function).isPresent() ? " (it is a connection function: omit --event-type)" : ""));
            return 2;
        }
        FunctionConfig f = definition.get();
        try {
            KeyValueStores stores = KeyValueStores.of();
            for (String name : f.keyValueStoreAssociations()) {
                KeyValueStoreConfig store = edge.keyValueStore(name).orElseThrow();
                stores.replace(KeyValueStore.importFrom(store.name(), store.importSource()));
            }
            ViewerEvent event = ViewerFunctionTestRun.read(request, type, edge.distributions().get(0).id());
            try (ViewerFunction compiled = ViewerFunction.compile(f.name(), f.code(),
                    f.keyValueStoreAssociations().stream().findFirst(), new FunctionLimits(f.timeout(), f.maxMemoryBytes()), stores)) {
                ViewerOutcome outcome = compiled.invoke(event);
                System.out.println("result: " + switch (outcome.kind()) {
                    case FORWARD -> outcome.unchanged() ? "request, unchanged (forwarded to the origin as the viewer sent it)"
                            : "request (forwarded to the origin)";
                    case RESPOND -> type == ViewerEvent.EventType.VIEWER_REQUEST ? "response (sent to the viewer)" : "response";
                    case FAULT -> "error (the viewer gets 503)";
                });
                if (!outcome.error().isEmpty()) {
                    System.out.println("error: " + outcome.error());
                }
                if (outcome.kind() != ViewerOutcome.Kind.FAULT) {
                    System.out.println(ViewerFunctionTestRun.print(outcome, event));
                }
                System.out.println("console:");
                for (String line : outcome.consoleLines()) {
                    System.out.println("  " + line);
                }
                System.out.printf("time: %.3f ms%n", outcome.elapsed().toNanos() / 1_000_000.0);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (KeyValueStoreException | FunctionCompileException | java.io.IOException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    private Optional<ClientCertificate> certificate() throws CertificateFileException {
        if (cert == null) {
            return Optional.empty();
        }
        List<X509Certificate> leaf = PemCertificates.read(cert);
        List<CertificateFacts> intermediates = new ArrayList<>();
        for (int i = 1; i < leaf.size(); i++) {
            intermediates.add(CertificateFacts.of(leaf.get(i)));
        }
        if (chain != null) {
            for (X509Certificate c : PemCertificates.read(chain)) {
                intermediates.add(CertificateFacts.of(c));
            }
        }
        return Optional.of(new ClientCertificate(CertificateFacts.of(leaf.get(0)), intermediates));
    }

    private static void print(ConnectionDecision decision) {
        System.out.println("decision: " + decision.outcome().name().toLowerCase());
        if (!decision.error().isEmpty()) {
            System.out.println("error: " + decision.error());
        }
        System.out.println("customData: " + decision.customData());
        System.out.println("console:");
        for (String line : decision.consoleLines()) {
            System.out.println("  " + line);
        }
        System.out.printf("time: %.3f ms%n", decision.elapsed().toNanos() / 1_000_000.0);
    }
}
