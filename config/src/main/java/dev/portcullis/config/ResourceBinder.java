package dev.portcullis.config;

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

    List<TrustStoreConfig> trustStores(Node list) {
        List<TrustStoreConfig> stores = new ArrayList<>();
        for (Node item : list.items()) {
            int mark = item.problems().mark();
            item.mapping("id", "caCertificatesBundle").ifPresent(m -> {
                Optional<String> id = trustStoreIds.claim(m.get("id"));
                Optional<Path> bundle = m.get("caCertificatesBundle").requiredFile();
                if (!item.problems().since(mark)) {
                    stores.add(new TrustStoreConfig(id.orElseThrow(), bundle.orElseThrow()));
                }
            });
        }
        return stores;
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
        List<ConnectionFunctionConfig> functions = new ArrayList<>();
        for (Node item : list.items()) {
            int mark = item.problems().mark();
            item.mapping("name", "code", "keyValueStoreAssociations", "timeout", "maxMemory")
                    .ifPresent(m -> {
                        Optional<String> name = functionNames.claim(m.get("name"));
                        Optional<Path> code = m.get("code").requiredFile();
                        List<String> stores = storeAssociations(m.get("keyValueStoreAssociations"));
                        Duration timeout = m.get("timeout").duration().orElse(ConnectionFunctionConfig.DEFAULT_TIMEOUT);
                        long memory = m.get("maxMemory").size().orElse(ConnectionFunctionConfig.DEFAULT_MAX_MEMORY_BYTES);
                        if (!item.problems().since(mark)) {
                            functions.add(new ConnectionFunctionConfig(
                                    name.orElseThrow(), code.orElseThrow(), stores, timeout, memory));
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
