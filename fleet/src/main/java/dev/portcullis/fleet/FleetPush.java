package dev.portcullis.fleet;

import static dev.portcullis.fleet.EtcdKeys.bytes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portcullis.config.EdgeConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code portcullis fleet push}: uploads the files a configuration names (each once, under its
 * SHA-256) and then the configuration itself to the fleet's etcd, where every node applies it as a
 * reload. The config was validated by loading it; each node validates it again, whole, before it
 * swaps anything (a push that does not build is refused and reported by the node).
 */
public final class FleetPush {
    /** etcd takes 1.5 MiB per request by default; a file travels in one. */
    static final int MAX_FILE_BYTES = 1024 * 1024;

    public record Result(long revision, int files, int uploaded) {
    }

    private FleetPush() {
    }

    public static Result push(EdgeConfig config) throws FleetException, IOException {
        if (config.fleet().isEmpty()) {
            throw new FleetException("fleet: " + config.source() + " has no fleet section: it names no etcd to push to");
        }
        String shared = sharedText(config.source());
        Set<Path> paths = new LinkedHashSet<>(config.filesRead());
        paths.remove(config.source());
        config.keyValueStores().forEach(k -> paths.add(k.importSource())); // a store new to the fleet is created from it
        Map<String, String> hashes = new LinkedHashMap<>();
        Map<String, byte[]> contents = new LinkedHashMap<>();
        for (Path path : paths) {
            byte[] content = Files.readAllBytes(path);
            if (content.length > MAX_FILE_BYTES) {
                throw new FleetException(path + ": " + content.length + " bytes; a pushed file is at most " + MAX_FILE_BYTES
                        + " bytes (one etcd request)");
            }
            String sha = PushFiles.sha256(content);
            hashes.put(path.toAbsolutePath().normalize().toString(), sha);
            contents.put(sha, content);
        }
        Path source = config.source().toAbsolutePath().normalize();
        PushManifest manifest = new PushManifest(source.toString(), source.getParent().toString(), shared, hashes,
                Instant.now().toString(), hostname());
        EtcdKeys keys = new EtcdKeys(config.fleet().get().prefix());
        try (Client client = EtcdConnections.open(config.fleet().get())) {
            int uploaded = 0;
            for (Map.Entry<String, byte[]> file : contents.entrySet()) {
                ByteSequence key = bytes(keys.file(file.getKey()));
                var r = client.getKVClient().txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
                        .Then(Op.put(key, ByteSequence.from(file.getValue()), PutOption.DEFAULT)).commit()
                        .get(EtcdStoreAccess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                uploaded += r.isSucceeded() ? 1 : 0;
            }
            long revision = client.getKVClient().put(bytes(keys.config()), bytes(manifest.json())).get(
                    EtcdStoreAccess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getHeader().getRevision();
            return new Result(revision, contents.size(), uploaded);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new FleetException("fleet.etcd: cannot push to " + config.fleet().get().endpoints() + ": "
                    + (e.getCause() == null ? e : e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FleetException("interrupted");
        }
    }

    /** The config without what stays each node's own. */
    private static String sharedText(Path source) throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode tree = yaml.readTree(Files.readString(source, StandardCharsets.UTF_8));
        if (tree instanceof ObjectNode object) {
            object.remove("server");
            object.remove("logging");
            object.remove("fleet");
        }
        return yaml.writeValueAsString(tree);
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "";
        }
    }
}
