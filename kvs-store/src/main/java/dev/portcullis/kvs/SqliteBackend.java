package dev.portcullis.kvs;

import dev.portcullis.functions.KeyValueStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stores in one SQLite file, {@code kvs.sqlite} in {@code server.dataDir}: write-ahead log with
 * {@code synchronous=FULL}, so a transaction that committed is on disk before the API answers 200
 * and a {@code kill -9} (or a power cut) right after loses nothing. One connection, used by the
 * stores' writer thread only.
 */
public final class SqliteBackend implements KeyValueStoreBackend {
    public static final String FILE_NAME = "kvs.sqlite";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Connection db;
    private final java.nio.channels.FileChannel lock;

    private SqliteBackend(Path file, Connection db, java.nio.channels.FileChannel lock) {
        this.file = file;
        this.db = db;
        this.lock = lock;
    }

    /**
     * One node per data directory: a second node on the same database would keep serving its own
     * snapshot and never see the first one's revocations (fail open), so it refuses to start.
     */
    private static java.nio.channels.FileChannel lock(Path dataDir) throws KeyValueStoreError {
        Path lockFile = dataDir.resolve(".lock");
        java.nio.channels.FileChannel channel = null;
        try {
            channel = java.nio.channels.FileChannel.open(lockFile, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                throw new java.nio.channels.OverlappingFileLockException();
            }
            return channel;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            closeQuietly(channel);
            throw unavailable("server.dataDir: " + dataDir + " is in use by another node (" + lockFile
                    + " is locked); give each node a data directory of its own");
        } catch (IOException e) {
            closeQuietly(channel);
            throw unavailable("server.dataDir: cannot lock " + lockFile + ": " + e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing
            }
        }
    }

    /** Opens (creating if needed) the database in {@code dataDir}. */
    public static SqliteBackend open(Path dataDir) throws KeyValueStoreError {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw unavailable("server.dataDir: cannot create " + dataDir + ": " + e.getMessage());
        }
        java.nio.channels.FileChannel lock = lock(dataDir);
        Connection db = null;
        try {
            db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS stores(name TEXT PRIMARY KEY, incarnation TEXT NOT NULL,"
                        + " version INTEGER NOT NULL, created INTEGER NOT NULL, last_modified INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS entries(store TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
                        + " PRIMARY KEY(store, key)) WITHOUT ROWID");
                // Where the snapshot of a fleet's etcd stands (one row); absent for a node on its own.
                s.execute("CREATE TABLE IF NOT EXISTS shared(id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL)");
            }
            db.setAutoCommit(false);
            return new SqliteBackend(file, db, lock);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(db);
            closeQuietly(lock);
            throw unavailable("server.dataDir: cannot open " + file + ": " + e.getMessage());
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public Optional<Stored> load(String name) throws KeyValueStoreError {
        return transaction("cannot read store " + name, () -> {
            Optional<StoreVersion> version = version(name);
            if (version.isEmpty()) {
                return Optional.empty();
            }
            KeyValueStore.Builder builder = KeyValueStore.builder(name);
            try (PreparedStatement q = db.prepareStatement("SELECT key, value FROM entries WHERE store = ?")) {
                q.setString(1, name);
                q.setFetchSize(10_000);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        builder.add(rs.getString(1), rs.getString(2));
                    }
                }
            }
            StoreVersion v = version.get();
            return Optional.of(new Stored(builder.build(v.created(), v.lastModified()), v));
        });
    }

    @Override
    public StoreVersion create(String name, KeyValueStore contents, Instant at) throws KeyValueStoreError {
        StoreVersion v = new StoreVersion(HexFormat.of().toHexDigits(RANDOM.nextInt()), 1, contents.created(), at);
        return transaction("cannot create store " + name, () -> {
            try (PreparedStatement s = db.prepareStatement(
                    "INSERT INTO stores(name, incarnation, version, created, last_modified) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, name);
                s.setString(2, v.incarnation());
                s.setLong(3, v.version());
                s.setLong(4, v.created().toEpochMilli());
                s.setLong(5, v.lastModified().toEpochMilli());
                s.executeUpdate();
            }
            insertAll(name, contents);
            return v;
        });
    }

    @Override
    public StoreVersion write(String name, StoreVersion expected, KeyChanges changes, Instant at) throws KeyValueStoreError {
        return transaction("cannot write store " + name, () -> {
            StoreVersion next = advance(name, expected, at);
            deleteKeys(name, changes.deletes());
            putKeys(name, changes.puts());
            return next;
        });
    }

    @Override
    public StoreVersion replace(String name, StoreVersion expected, KeyValueStore contents, Instant at) throws KeyValueStoreError {
        return transaction("cannot replace store " + name, () -> {
            StoreVersion next = advance(name, expected, at);
            try (PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE store = ?")) {
                del.setString(1, name);
                del.executeUpdate();
            }
            insertAll(name, contents);
            return next;
        });
    }

    @Override
    public Page list(String name, String afterKey, int limit) throws KeyValueStoreError {
        return transaction("cannot list store " + name, () -> {
            List<Map.Entry<String, String>> items = new ArrayList<>();
            try (PreparedStatement q = db.prepareStatement(
                    "SELECT key, value FROM entries WHERE store = ? AND key > ? ORDER BY key LIMIT ?")) {
                q.setString(1, name);
                q.setString(2, afterKey == null ? "" : afterKey);
                q.setInt(3, limit + 1);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        items.add(new AbstractMap.SimpleImmutableEntry<>(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            String next = null;
            if (items.size() > limit) {
                items.remove(limit);
                next = items.get(limit - 1).getKey();
            }
            return new Page(items, next);
        });
    }

    @Override
    public void recordShared(List<SharedChange> changes, long revision) throws KeyValueStoreError {
        transaction("cannot record the fleet snapshot at revision " + revision, () -> {
            for (SharedChange change : changes) {
                StoreVersion v = change.version();
                try (PreparedStatement s = db.prepareStatement("INSERT INTO stores(name, incarnation, version, created,"
                        + " last_modified) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET incarnation ="
                        + " excluded.incarnation, version = excluded.version, created = excluded.created,"
                        + " last_modified = excluded.last_modified")) {
                    s.setString(1, change.name());
                    s.setString(2, v.incarnation());
                    s.setLong(3, v.version());
                    s.setLong(4, v.created().toEpochMilli());
                    s.setLong(5, v.lastModified().toEpochMilli());
                    s.executeUpdate();
                }
                if (change.isWhole()) {
                    try (PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE store = ?")) {
                        del.setString(1, change.name());
                        del.executeUpdate();
                    }
                    insertAll(change.name(), change.contents());
                } else {
                    deleteKeys(change.name(), change.deletes());
                    putKeys(change.name(), change.puts());
                }
            }
            try (PreparedStatement s = db.prepareStatement("INSERT INTO shared(id, revision) VALUES (1, ?)"
                    + " ON CONFLICT(id) DO UPDATE SET revision = excluded.revision")) {
                s.setLong(1, revision);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<String> storedNames() throws KeyValueStoreError {
        return transaction("cannot list the stores", () -> {
            List<String> names = new ArrayList<>();
            try (Statement q = db.createStatement(); ResultSet rs = q.executeQuery("SELECT name FROM stores ORDER BY name")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        });
    }

    @Override
    public void dropShared(String name) throws KeyValueStoreError {
        transaction("cannot drop store " + name + " from the fleet snapshot", () -> {
            try (PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE store = ?");
                 PreparedStatement store = db.prepareStatement("DELETE FROM stores WHERE name = ?")) {
                del.setString(1, name);
                del.executeUpdate();
                store.setString(1, name);
                store.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public long sharedRevision() throws KeyValueStoreError {
        return transaction("cannot read the fleet snapshot's revision", () -> {
            try (Statement q = db.createStatement(); ResultSet rs = q.executeQuery("SELECT revision FROM shared WHERE id = 1")) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    private void deleteKeys(String name, java.util.Collection<String> keys) throws SQLException {
        try (PreparedStatement del = db.prepareStatement("DELETE FROM entries WHERE store = ? AND key = ?")) {
            for (String key : keys) {
                del.setString(1, name);
                del.setString(2, key);
                del.addBatch();
            }
            del.executeBatch();
        }
    }

    private void putKeys(String name, Map<String, String> puts) throws SQLException {
        try (PreparedStatement put = db.prepareStatement("INSERT INTO entries(store, key, value) VALUES (?, ?, ?)"
                + " ON CONFLICT(store, key) DO UPDATE SET value = excluded.value")) {
            for (Map.Entry<String, String> e : puts.entrySet()) {
                put.setString(1, name);
                put.setString(2, e.getKey());
                put.setString(3, e.getValue());
                put.addBatch();
            }
            put.executeBatch();
        }
    }

    /** Work done in one transaction on the writer's connection. */
    private interface Work<T> {
        T run() throws SQLException, KeyValueStoreError;
    }

    /** Runs {@code work} and commits it (durable on return), or rolls it back and says why. */
    private <T> T transaction(String what, Work<T> work) throws KeyValueStoreError {
        try {
            T result = work.run();
            db.commit();
            return result;
        } catch (SQLException e) {
            rollback();
            throw unavailable(file + ": " + what + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            rollback(); // a row the limits refuse (written by something else): the database is not ours to trust
            throw unavailable(file + ": " + e.getMessage());
        } catch (KeyValueStoreError e) {
            rollback();
            throw e;
        }
    }

    /** Moves {@code name} from {@code expected} to the next version, inside the caller's transaction. */
    private StoreVersion advance(String name, StoreVersion expected, Instant at) throws SQLException, KeyValueStoreError {
        StoreVersion next = expected.next(at);
        try (PreparedStatement s = db.prepareStatement("UPDATE stores SET version = ?, last_modified = ?"
                + " WHERE name = ? AND incarnation = ? AND version = ?")) {
            s.setLong(1, next.version());
            s.setLong(2, at.toEpochMilli());
            s.setString(3, name);
            s.setString(4, expected.incarnation());
            s.setLong(5, expected.version());
            if (s.executeUpdate() != 1) {
                throw new KeyValueStoreError(KeyValueStoreError.Kind.PRECONDITION_FAILED,
                        "store " + name + " changed in the database since version " + expected.etag());
            }
        }
        return next;
    }

    private void insertAll(String name, KeyValueStore contents) throws SQLException {
        try (PreparedStatement put = db.prepareStatement("INSERT INTO entries(store, key, value) VALUES (?, ?, ?)")) {
            SQLException[] failed = new SQLException[1];
            int[] pending = new int[1];
            contents.forEach((key, value) -> {
                if (failed[0] != null) {
                    return;
                }
                try {
                    put.setString(1, name);
                    put.setString(2, key);
                    put.setString(3, value);
                    put.addBatch();
                    if (++pending[0] == 10_000) {
                        put.executeBatch();
                        pending[0] = 0;
                    }
                } catch (SQLException e) {
                    failed[0] = e;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
            put.executeBatch();
        }
    }

    private Optional<StoreVersion> version(String name) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(
                "SELECT incarnation, version, created, last_modified FROM stores WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new StoreVersion(rs.getString(1), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3)),
                        Instant.ofEpochMilli(rs.getLong(4))));
            }
        }
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the next call reports it
        }
    }

    private static KeyValueStoreError unavailable(String message) {
        return new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, message);
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing at shutdown: every acknowledged write is already committed
        }
        closeQuietly(lock); // releases the directory for the next node
    }
}
