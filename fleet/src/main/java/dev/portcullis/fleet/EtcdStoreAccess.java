package dev.portcullis.fleet;

import static dev.portcullis.fleet.EtcdKeys.bytes;
import static dev.portcullis.fleet.EtcdKeys.text;

import dev.portcullis.functions.KeyValueStore;
import dev.portcullis.kvs.KeyChanges;
import dev.portcullis.kvs.KeyValueStoreError;
import dev.portcullis.kvs.SharedChange;
import dev.portcullis.kvs.StoreVersion;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The stores' reads and transactions against etcd (see {@link EtcdKeys} for the layout). Blocking
 * calls, each bounded by {@link #TIMEOUT}; never called on an event loop.
 */
final class EtcdStoreAccess {
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    /** etcd's defaults: 128 operations per transaction and 1.5 MiB per request; a batch stays well inside. */
    private static final int BATCH_OPS = 100;
    private static final int BATCH_BYTES = 1024 * 1024;
    /** Keys per range read of a whole store: about 3.5 MB per page for serial-sized entries. */
    private static final int PAGE = 50_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A store's meta as read at {@code revision}, the revision of the read itself. */
    record MetaAt(StoreMeta meta, long modRevision, long revision) {
        StoreVersion version() {
            return meta.at(modRevision);
        }
    }

    /** An ETag a client sent: which incarnation and which meta revision its write was made against. */
    record Tag(String incarnation, long revision) {
        /** The first strong tag in {@code ifMatch} that is one of ours; empty if none is. */
        static Optional<Tag> parse(String ifMatch) {
            for (String tag : StoreVersion.strongTags(ifMatch)) {
                int dash = tag.lastIndexOf('-');
                if (dash <= 0) {
                    continue;
                }
                try {
                    long revision = Long.parseLong(tag.substring(dash + 1));
                    if (revision > 0 && tag.substring(0, dash).matches("[0-9a-f]{1,32}")) {
                        return Optional.of(new Tag(tag.substring(0, dash), revision));
                    }
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
            return Optional.empty();
        }
    }

    private final KV kv;
    private final EtcdKeys keys;
    private final String where;
    private final Clock clock;

    EtcdStoreAccess(KV kv, EtcdKeys keys, String where, Clock clock) {
        this.kv = kv;
        this.keys = keys;
        this.where = where;
        this.clock = clock;
    }

    /** etcd's current revision. */
    long head() throws KeyValueStoreError {
        return await("read the current revision", kv.get(bytes(keys.prefix()), GetOption.builder().withCountOnly(true).build()))
                .getHeader().getRevision();
    }

    /** A store's meta at {@code revision} (0: the latest). */
    Optional<MetaAt> meta(String store, long revision) throws KeyValueStoreError {
        GetResponse r = await("read store " + store, kv.get(bytes(keys.meta(store)),
                GetOption.builder().withRevision(revision).build()));
        if (r.getKvs().isEmpty()) {
            return Optional.empty();
        }
        KeyValue meta = r.getKvs().get(0);
        try {
            // a read at a past revision answers with etcd's current revision in its header: keep the one asked for
            return Optional.of(new MetaAt(StoreMeta.parse(text(meta.getValue())), meta.getModRevision(),
                    revision != 0 ? revision : r.getHeader().getRevision()));
        } catch (IllegalArgumentException e) {
            throw new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, where + ": " + keys.meta(store) + ": "
                    + e.getMessage());
        }
    }

    /**
     * A store whole, as it stood at {@code revision} (0: now): its meta and every key of the
     * incarnation it names, read in pages at one revision, so the result is one consistent state.
     */
    Optional<SharedChange> load(String store, long revision) throws KeyValueStoreError {
        Optional<MetaAt> meta = meta(store, revision);
        if (meta.isEmpty()) {
            return Optional.empty();
        }
        long at = meta.get().revision();
        String data = keys.data(store, meta.get().meta().incarnation());
        ByteSequence end = bytes(data.substring(0, data.length() - 1) + (char) ('/' + 1));
        KeyValueStore.Builder builder = KeyValueStore.builder(store);
        String from = data;
        while (true) {
            // No sort option: a range comes in key order anyway, and etcd 3.4 applies the limit only after
            // sorting the whole rest of the range, which made paging a million keys quadratic (106 s).
            GetResponse page = await("read store " + store, kv.get(bytes(from), GetOption.builder().withRange(end)
                    .withRevision(at).withLimit(PAGE).build()));
            for (KeyValue entry : page.getKvs()) {
                builder.add(text(entry.getKey()).substring(data.length()), text(entry.getValue()));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                break;
            }
            from = text(page.getKvs().get(page.getKvs().size() - 1).getKey()) + '\0';
        }
        StoreMeta m = meta.get().meta();
        try {
            return Optional.of(SharedChange.whole(store, meta.get().version(), builder.build(m.created(), m.lastModified())));
        } catch (IllegalArgumentException e) {
            throw new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, where + ": store " + store
                    + " holds an entry past the limits: " + e.getMessage());
        }
    }

    /**
     * Creates {@code store} from {@code seed} unless another node did first: the keys go under a
     * new incarnation, then one transaction creates meta only if it does not exist yet.
     *
     * @return whether this call created it (false: it existed, and {@code seed} was not used)
     */
    boolean createIfAbsent(String store, KeyValueStore seed) throws KeyValueStoreError {
        String incarnation = newIncarnation();
        putAll(store, incarnation, seed);
        Instant now = clock.instant();
        ByteSequence meta = bytes(keys.meta(store));
        TxnResponse r = await("create store " + store, kv.txn()
                .If(new Cmp(meta, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(meta, bytes(new StoreMeta(incarnation, now, now).json()), PutOption.DEFAULT))
                .commit());
        if (!r.isSucceeded()) {
            deleteIncarnation(store, incarnation);
        }
        return r.isSucceeded();
    }

    /** One write, all or nothing, if the store's meta is still at the revision {@code ifMatch} names. */
    long write(String store, String ifMatch, KeyChanges changes) throws KeyValueStoreError {
        Tag tag = tag(store, ifMatch);
        StoreMeta current = current(store, tag, ifMatch);
        List<Op> ops = new ArrayList<>();
        String data = keys.data(store, tag.incarnation());
        for (Map.Entry<String, String> put : changes.puts().entrySet()) {
            ops.add(Op.put(bytes(data + put.getKey()), bytes(put.getValue()), PutOption.DEFAULT));
        }
        for (String delete : changes.deletes()) {
            ops.add(Op.delete(bytes(data + delete), DeleteOption.DEFAULT));
        }
        Instant now = clock.instant();
        ops.add(Op.put(bytes(keys.meta(store)), bytes(new StoreMeta(tag.incarnation(), current.created(), now).json()),
                PutOption.DEFAULT));
        TxnResponse r = await("write store " + store, kv.txn()
                .If(new Cmp(bytes(keys.meta(store)), Cmp.Op.EQUAL, CmpTarget.modRevision(tag.revision())))
                .Then(ops.toArray(Op[]::new)).commit());
        if (!r.isSucceeded()) {
            throw stale(store, ifMatch);
        }
        return r.getHeader().getRevision();
    }

    /** An import: the new contents under a new incarnation, made current by one transaction. */
    long replace(String store, String ifMatch, KeyValueStore contents) throws KeyValueStoreError {
        Tag tag = tag(store, ifMatch);
        StoreMeta current = current(store, tag, ifMatch);
        String incarnation = newIncarnation();
        putAll(store, incarnation, contents);
        ByteSequence meta = bytes(keys.meta(store));
        String old = keys.data(store, tag.incarnation());
        TxnResponse r = await("import store " + store, kv.txn()
                .If(new Cmp(meta, Cmp.Op.EQUAL, CmpTarget.modRevision(tag.revision())))
                .Then(Op.put(meta, bytes(new StoreMeta(incarnation, current.created(), clock.instant()).json()), PutOption.DEFAULT),
                        Op.delete(bytes(old), DeleteOption.builder().isPrefix(true).build()))
                .commit());
        if (!r.isSucceeded()) {
            deleteIncarnation(store, incarnation);
            throw stale(store, ifMatch);
        }
        return r.getHeader().getRevision();
    }

    /**
     * The store's meta if {@code tag} names it exactly, incarnation and revision: the transaction
     * then compares the revision, so nothing can come between. The incarnation is checked here
     * because a made-up tag with the right revision must not point the store at an empty incarnation.
     */
    private StoreMeta current(String store, Tag tag, String ifMatch) throws KeyValueStoreError {
        MetaAt meta = meta(store, 0).orElseThrow(() -> new KeyValueStoreError(KeyValueStoreError.Kind.NOT_FOUND,
                "no KeyValueStore named " + store + " in the fleet"));
        if (!meta.meta().incarnation().equals(tag.incarnation()) || meta.modRevision() != tag.revision()) {
            throw stale(store, ifMatch);
        }
        return meta.meta();
    }

    private Tag tag(String store, String ifMatch) throws KeyValueStoreError {
        return Tag.parse(ifMatch).orElseThrow(() -> stale(store, ifMatch));
    }

    private KeyValueStoreError stale(String store, String ifMatch) {
        return new KeyValueStoreError(KeyValueStoreError.Kind.PRECONDITION_FAILED, "If-Match " + ifMatch.strip()
                + " is not the current ETag of store " + store + " in the fleet: another write (on this node or"
                + " another) came first; read the store again and retry");
    }

    /** Writes every entry under {@code incarnation}, in transactions that fit etcd's limits. */
    private void putAll(String store, String incarnation, KeyValueStore contents) throws KeyValueStoreError {
        String data = keys.data(store, incarnation);
        List<Op> batch = new ArrayList<>();
        int[] bytes = new int[1];
        KeyValueStoreError[] failed = new KeyValueStoreError[1];
        contents.forEach((key, value) -> {
            if (failed[0] != null) {
                return;
            }
            int size = data.length() + key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
            if (batch.size() == BATCH_OPS || bytes[0] + size > BATCH_BYTES) {
                try {
                    commitBatch(store, batch);
                } catch (KeyValueStoreError e) {
                    failed[0] = e;
                    return;
                }
                batch.clear();
                bytes[0] = 0;
            }
            batch.add(Op.put(bytes(data + key), bytes(value), PutOption.DEFAULT));
            bytes[0] += size;
        });
        if (failed[0] == null && !batch.isEmpty()) {
            try {
                commitBatch(store, batch);
            } catch (KeyValueStoreError e) {
                failed[0] = e;
            }
        }
        if (failed[0] != null) {
            deleteIncarnation(store, incarnation);
            throw failed[0];
        }
    }

    private void commitBatch(String store, List<Op> batch) throws KeyValueStoreError {
        await("write store " + store, kv.txn().Then(batch.toArray(Op[]::new)).commit());
    }

    /** Removes an incarnation nobody points at (a lost race, a failed import); best effort. */
    private void deleteIncarnation(String store, String incarnation) {
        try {
            await("clean up store " + store, kv.delete(bytes(keys.data(store, incarnation)),
                    DeleteOption.builder().isPrefix(true).build()));
        } catch (KeyValueStoreError e) {
            // unreferenced keys: harmless, only space
        }
    }

    private static String newIncarnation() {
        return HexFormat.of().toHexDigits(RANDOM.nextLong());
    }

    private <T> T await(String what, CompletableFuture<T> call) throws KeyValueStoreError {
        try {
            return call.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, where + " did not answer within "
                    + TIMEOUT.toSeconds() + " s (" + what + "); not acknowledged, though etcd may still have committed it:"
                    + " read the store (its ETag) before writing again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, "interrupted (" + what + ")");
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        }
    }

    /** etcd's refusal as the API's: a batch past etcd's request limits is the caller's 400. */
    KeyValueStoreError failure(String what, Throwable cause) {
        String message = cause == null ? "unknown error" : String.valueOf(cause.getMessage());
        if (message.contains("request is too large")) {
            return new KeyValueStoreError(KeyValueStoreError.Kind.INVALID, "the call does not fit in one etcd request ("
                    + where + " refused it: " + message.strip() + "; etcd accepts 1.5 MiB per request unless"
                    + " --max-request-bytes says otherwise): split it into smaller UpdateKeys calls");
        }
        if (message.contains("too many operations in txn request")) {
            return new KeyValueStoreError(KeyValueStoreError.Kind.INVALID, "the call has more keys than etcd takes in"
                    + " one transaction (" + where + ": " + message.strip() + "): split it");
        }
        return new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, where + ": cannot " + what + ": "
                + message.strip() + "; nothing was acknowledged");
    }
}
