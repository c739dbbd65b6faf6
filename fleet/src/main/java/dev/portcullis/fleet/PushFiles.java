package dev.portcullis.fleet;

import static dev.portcullis.fleet.EtcdKeys.bytes;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A node's copy of what was pushed, in {@code server.dataDir/fleet/}: each file once under its
 * SHA-256 ({@code files/SHA256}, checked against it on the way in), and {@code applied.json}, the
 * last push this node applied, which it starts from when etcd is away.
 */
final class PushFiles {
    /** etcd could not be read: the push is not refused, only not fetched yet. */
    static final class Unreachable extends IOException {
        Unreachable(String message) {
            super(message);
        }
    }

    private final Path root;
    private final Path files;

    PushFiles(Path dataDir) {
        this.root = dataDir.resolve("fleet");
        this.files = root.resolve("files");
    }

    /** The push's files, fetched from etcd where this node does not have them yet. */
    PushedConfig materialize(long revision, PushManifest manifest, KV kv, EtcdKeys keys) throws IOException {
        Map<Path, Path> relocations = new LinkedHashMap<>();
        Files.createDirectories(files);
        for (Map.Entry<String, String> file : manifest.files().entrySet()) {
            Path local = files.resolve(file.getValue());
            if (!Files.isRegularFile(local) || !sha256(Files.readAllBytes(local)).equals(file.getValue())) {
                GetResponse r;
                try {
                    r = kv.get(bytes(keys.file(file.getValue()))).get(EtcdStoreAccess.TIMEOUT.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new Unreachable("cannot read " + keys.file(file.getValue()) + " (" + file.getKey() + "): "
                            + (e.getCause() != null ? e.getCause().getMessage() : "no answer in time"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Unreachable("interrupted");
                }
                if (r.getKvs().isEmpty()) {
                    throw new IOException(file.getKey() + ": its content (" + keys.file(file.getValue())
                            + ") is not in etcd; push again");
                }
                byte[] content = r.getKvs().get(0).getValue().getBytes();
                if (!sha256(content).equals(file.getValue())) {
                    throw new IOException(file.getKey() + ": the content in etcd does not match its SHA-256 " + file.getValue());
                }
                writeAtomically(local, content);
            }
            relocations.put(Path.of(file.getKey()), local);
        }
        return new PushedConfig(revision, manifest.config(), Path.of(manifest.baseDir()), relocations, origin(manifest));
    }

    /** Records {@code manifest} as the last push applied (so a restart without etcd starts from it). */
    void recordApplied(long revision, PushManifest manifest) throws IOException {
        Files.createDirectories(root);
        writeAtomically(root.resolve("applied.json"), ("{\"revision\":" + revision + ",\"manifest\":" + manifest.json() + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The last push applied here, if its files are all still here. */
    Optional<PushedConfig> lastApplied() throws IOException {
        Path applied = root.resolve("applied.json");
        if (!Files.isRegularFile(applied)) {
            return Optional.empty();
        }
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(applied.toFile());
        PushManifest manifest = PushManifest.parse(node.path("manifest").toString());
        Map<Path, Path> relocations = new LinkedHashMap<>();
        for (Map.Entry<String, String> file : manifest.files().entrySet()) {
            Path local = files.resolve(file.getValue());
            if (!Files.isRegularFile(local)) {
                throw new IOException(applied + " names " + local + ", which is gone");
            }
            relocations.put(Path.of(file.getKey()), local);
        }
        return Optional.of(new PushedConfig(node.path("revision").asLong(), manifest.config(), Path.of(manifest.baseDir()),
                relocations, origin(manifest)));
    }

    private static String origin(PushManifest manifest) {
        return "from " + (manifest.pushedFrom().isEmpty() ? "" : manifest.pushedFrom() + ":") + manifest.source()
                + (manifest.pushedAt().isEmpty() ? "" : " at " + manifest.pushedAt());
    }

    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            channel.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
