package dev.portcullis.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shared resources distributions refer to: {@code trustStores}, {@code keyValueStores} and
 * {@code connectionFunctions}. Bound before distributions so references can be resolved; the
 * {@link Names} it fills hold every id that was given, even on an entry with other problems, so one
 * mistake does not cascade into "unknown id" reports elsewhere.
 */
final class ResourceBinder {
    final Names trustStoreIds = new Names("trust store id");
    final Names storeNames = new Names("key value store name");
    final Names functionNames = new Names("connection function name");
    /** {@code functions}: CloudFront Functions for viewer events; a name is one function's, whichever list. */
    final Names viewerFunctionNames = new Names("function name");

    List<TrustStoreConfig> trustStores(Node list) {
        List<TrustStoreConfig> stores = new ArrayList<>();
        for (Node item : list.items()) {
            int mark = item.problems().mark();
            item.mapping("id", "caCertificatesBundle", "crls", "requireCrlForEveryIssuer",
                    "useClientCertificateOcspEndpoint", "ocsp").ifPresent(m -> {
                Optional<String> id = trustStoreIds.claim(m.get("id"));
                Optional<Path> bundle = m.get("caCertificatesBundle").requiredFile();
                List<Path> crls = new ArrayList<>();
                for (Node crl : m.get("crls").items()) {
                    crl.requiredFile().ifPresent(file -> {
                        if (crls.contains(file)) {
                            crl.problem("listed twice: " + file);
                        }
                        crls.add(file);
                    });
                }
                boolean requireCrl = m.get("requireCrlForEveryIssuer").bool().orElse(false);
                if (requireCrl && crls.isEmpty() && !item.problems().since(mark)) {
                    m.get("requireCrlForEveryIssuer").problem("is true but crls lists no CRL: every client would be"
                            + " refused as ClientCertRevocationUnknown");
                }
                boolean ocspOn = m.get("useClientCertificateOcspEndpoint").bool().orElse(false);
                OcspConfig ocsp = ocsp(m.get("ocsp"));
                if (!ocspOn && ocsp.responderUrl().isPresent()) {
                    m.get("ocsp").problem("responderUrl is set but useClientCertificateOcspEndpoint is not true:"
                            + " no responder would be asked");
                }
                if (!item.problems().since(mark)) {
                    stores.add(new TrustStoreConfig(id.orElseThrow(), bundle.orElseThrow(), crls, requireCrl, ocspOn, ocsp));
                }
            });
        }
        return stores;
    }

    private static OcspConfig ocsp(Node node) {
        OcspConfig defaults = OcspConfig.DEFAULTS;
        Optional<Mapping> section = node.mapping("timeout", "cacheTtl", "responderUrl", "undetermined");
        if (section.isEmpty()) {
            return defaults;
        }
        Mapping m = section.get();
        Node timeoutNode = m.get("timeout");
        Duration timeout = timeoutNode.duration().orElse(defaults.timeout());
        if (timeout.compareTo(OcspConfig.MAX_TIMEOUT) > 0) {
            timeoutNode.problem("at most " + OcspConfig.MAX_TIMEOUT.toSeconds() + "s: a handshake waits this long"
                    + " for a responder");
        }
        Duration cacheTtl = m.get("cacheTtl").duration().orElse(defaults.cacheTtl());
        Node urlNode = m.get("responderUrl");
        Optional<URI> responder = urlNode.string().flatMap(text -> responderUrl(urlNode, text));
        OcspConfig.Undetermined undetermined = Choices.parse(m.get("undetermined"), OcspConfig.Undetermined.class,
                "undetermined policy").orElse(defaults.undetermined());
        return new OcspConfig(timeout, cacheTtl, responder, undetermined);
    }

    private static Optional<URI> responderUrl(Node node, String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                node.problem("'" + text + "' is not an http or https url with a host, as in http://ocsp.example.com/");
                return Optional.empty();
            }
            if (uri.getRawUserInfo() != null) {
                node.problem("'" + text + "' must not carry user information");
                return Optional.empty();
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            node.problem("'" + text + "' is not a valid url: " + e.getReason());
            return Optional.empty();
        }
    }

    List<KeyValueStoreConfig> keyValueStores(Node list) {
        List<KeyValueStoreConfig> stores = new ArrayList<>();
        for (Node item : list.items()) {
            int mark = item.problems().mark();
            item.mapping("name", "importSource").ifPresent(m -> {
                Optional<String> name = storeNames.claim(m.get("name"));
                Optional<Path> source = m.get("importSource").requiredFile();
                if (!item.problems().since(mark)) {
                    stores.add(new KeyValueStoreConfig(name.orElseThrow(), source.orElseThrow()));
                }
            });
        }
        return stores;
    }

    List<ConnectionFunctionConfig> connectionFunctions(Node list) {
        return functions(list, functionNames, ConnectionFunctionConfig::new);
    }

    /** {@code functions}, bound after {@code connectionFunctions}: a name may not be in both. */
    List<FunctionConfig> viewerFunctions(Node list) {
        return functions(list, viewerFunctionNames, FunctionConfig::new);
    }

    private interface FunctionEntry<T> {
        T make(String name, Path code, List<String> stores, Duration timeout, long maxMemoryBytes);
    }

    /** Either list of functions: the same keys, names claimed in {@code names}. */
    private <T> List<T> functions(Node list, Names names, FunctionEntry<T> entry) {
        List<T> functions = new ArrayList<>();
        for (Node item : list.items()) {
            int mark = item.problems().mark();
            item.mapping("name", "code", "keyValueStoreAssociations", "timeout", "maxMemory")
                    .ifPresent(m -> {
                        Node nameNode = m.get("name");
                        Optional<String> name = names.claim(nameNode);
                        if (names != functionNames) {
                            name.filter(functionNames::contains).ifPresent(n -> nameNode.problem("'" + n
                                    + "' is already a connection function (connectionFunctions); a function has one name"));
                        }
                        Optional<Path> code = m.get("code").requiredFile();
                        List<String> stores = storeAssociations(m.get("keyValueStoreAssociations"));
                        Duration timeout = m.get("timeout").duration().orElse(ConnectionFunctionConfig.DEFAULT_TIMEOUT);
                        long memory = m.get("maxMemory").size().orElse(ConnectionFunctionConfig.DEFAULT_MAX_MEMORY_BYTES);
                        if (!item.problems().since(mark)) {
                            functions.add(entry.make(name.orElseThrow(), code.orElseThrow(), stores, timeout, memory));
                        }
                    });
        }
        return functions;
    }

    private List<String> storeAssociations(Node list) {
        List<Node> items = list.items();
        if (items.size() > 1) {
            list.problem("at most one key value store per function (CloudFront's limit), got " + items.size());
        }
        List<String> names = new ArrayList<>();
        for (Node item : items) {
            item.requiredString()
                    .filter(name -> Names.resolve(item, name, storeNames, "key value store"))
                    .ifPresent(names::add);
        }
        return names;
    }
}
