package dev.portcullis.fleet;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where a fleet keeps what it shares, under its {@code fleet.etcd.prefix} (P):
 * <pre>
 *   P kvs/STORE/meta                   {"incarnation", "created", "lastModified"}: the store exists;
 *                                      its mod revision is the store's version (its ETag)
 *   P kvs/STORE/data/INCARNATION/KEY   one entry's value, for the incarnation meta names
 *   P fleet/status/NODE                what a node last reported (its revision, connected, last error, push)
 *   P config                           the last {@code fleet push}: the shared config and its files' SHA-256
 *   P files/SHA256                     a pushed file's content, under its SHA-256 (written once)
 * </pre>
 * Every write puts {@code meta} in the same transaction as its keys, so a store's version moves
 * with each change and {@code If-Match} compares one key. An import writes a new incarnation's keys
 * first (in as many transactions as etcd's limits need) and makes them visible with one
 * transaction that points {@code meta} at it, so a reader never sees half an import.
 */
final class EtcdKeys {
    /** A key of a store, as parsed back from a watch event. */
    record StoreKey(String store, boolean meta, String incarnation, String key) {
    }

    private final String prefix;

    EtcdKeys(String prefix) {
        this.prefix = prefix;
    }

    String prefix() {
        return prefix;
    }

    String storesRoot() {
        return prefix + "kvs/";
    }

    String meta(String store) {
        return storesRoot() + store + "/meta";
    }

    String data(String store, String incarnation) {
        return storesRoot() + store + "/data/" + incarnation + "/";
    }

    String statusRoot() {
        return prefix + "fleet/status/";
    }

    String status(String node) {
        return statusRoot() + node;
    }

    String config() {
        return prefix + "config";
    }

    String file(String sha256) {
        return prefix + "files/" + sha256;
    }

    /** A store's key from a key under the prefix; empty for anything else (a node's status, say). */
    Optional<StoreKey> parse(String key) {
        if (!key.startsWith(storesRoot())) {
            return Optional.empty();
        }
        String rest = key.substring(storesRoot().length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String store = rest.substring(0, slash);
        String tail = rest.substring(slash + 1);
        if (tail.equals("meta")) {
            return Optional.of(new StoreKey(store, true, null, null));
        }
        if (!tail.startsWith("data/")) {
            return Optional.empty();
        }
        String data = tail.substring("data/".length());
        int end = data.indexOf('/');
        if (end <= 0) {
            return Optional.empty();
        }
        return Optional.of(new StoreKey(store, false, data.substring(0, end), data.substring(end + 1)));
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
