package dev.portcullis.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code portcullis kvs}: the KeyValueStore API of a running node from the shell. Writes fetch the
 * store's ETag first unless {@code --if-match} is given; every answer is printed as JSON, and an
 * error exits 1 with the server's message on stderr.
 *
 * <p>Over 250 lines: one small picocli subcommand per API operation (describe, list, get, put,
 * delete, update, import), each a few lines over the shared target and ETag handling.
 */
@Command(name = "kvs", mixinStandardHelpOptions = true,
        description = "Read and write a running node's KeyValueStores through its admin API.",
        subcommands = {KvsCommand.Describe.class, KvsCommand.ListKeys.class, KvsCommand.Get.class, KvsCommand.Put.class,
            KvsCommand.Delete.class, KvsCommand.Update.class, KvsCommand.Import.class})
final class KvsCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** What every subcommand takes: the store and the node's admin address. */
    static final class Target {
        @Option(names = "--store", required = true, description = "the KeyValueStore's name")
        String store;

        @Option(names = "--admin", defaultValue = "http://127.0.0.1:9901",
                description = "the node's admin listener (default: ${DEFAULT-VALUE})")
        String admin;

        @Option(names = "--if-match", description = "the ETag the write must match (default: the store's current one)")
        String ifMatch;

        @Option(names = "--cert", description = "client certificate chain (PEM) for an https admin (server.adminTls)")
        Path cert;

        @Option(names = "--cert-key", description = "the private key of --cert (PEM)")
        Path key;

        @Option(names = "--cacert", description = "CA certificate(s) (PEM) the admin listener's certificate chains to")
        Path cacert;

        private HttpClient client;

        private HttpClient http() {
            if (client == null) {
                HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
                if (cert != null || cacert != null) {
                    try {
                        io.netty.handler.ssl.SslContextBuilder tls = io.netty.handler.ssl.SslContextBuilder.forClient()
                                .sslProvider(io.netty.handler.ssl.SslProvider.JDK);
                        if (cert != null) {
                            if (key == null) {
                                throw new IllegalArgumentException("--cert needs --cert-key");
                            }
                            tls.keyManager(cert.toFile(), key.toFile());
                        }
                        if (cacert != null) {
                            tls.trustManager(cacert.toFile());
                        }
                        builder.sslContext(((io.netty.handler.ssl.JdkSslContext) tls.build()).context());
                    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
                        throw new IllegalArgumentException("--cert/--cert-key/--cacert: " + e.getMessage(), e);
                    }
                }
                client = builder.build();
            }
            return client;
        }

        URI uri(String tail) {
            String base = admin.endsWith("/") ? admin.substring(0, admin.length() - 1) : admin;
            if (!base.startsWith("http://") && !base.startsWith("https://")) {
                throw new IllegalArgumentException("--admin: expected http://host:port or https://host:port, got " + admin);
            }
            return URI.create(base + "/key-value-stores/" + encode(store) + tail);
        }

        /** Sends {@code request}; prints the body and returns 0, or prints the server's message and returns 1. */
        int send(HttpRequest.Builder request) {
            try {
                HttpResponse<String> response = http().send(request.timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() / 100 == 2) {
                    System.out.println(response.body().strip());
                    return 0;
                }
                System.err.println("portcullis kvs: " + response.statusCode() + ": " + message(response.body()));
                return 1;
            } catch (IOException e) {
                System.err.println("portcullis kvs: cannot reach " + admin + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
                return 1;
            } catch (IllegalArgumentException e) {
                System.err.println("portcullis kvs: " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }

        /** --if-match, or the store's current ETag (DescribeKeyValueStore); null after printing why not. */
        String etag() {
            if (ifMatch != null) {
                return ifMatch;
            }
            try {
                HttpResponse<String> response = http().send(HttpRequest.newBuilder(uri("")).timeout(Duration.ofSeconds(10))
                        .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() != 200) {
                    System.err.println("portcullis kvs: " + response.statusCode() + ": " + message(response.body()));
                    return null;
                }
                return response.headers().firstValue("ETag").orElseThrow();
            } catch (IOException e) {
                System.err.println("portcullis kvs: cannot reach " + admin + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
                return null;
            } catch (IllegalArgumentException e) {
                System.err.println("portcullis kvs: " + e.getMessage());
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        int write(String method, String tail, String body) {
            String etag = etag();
            if (etag == null) {
                return 1;
            }
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
            return send(HttpRequest.newBuilder(uri(tail)).header("If-Match", etag)
                    .header("Content-Type", "application/json").method(method, publisher));
        }

        private static String message(String body) {
            try {
                JsonNode node = JSON.readTree(body);
                return node != null && node.hasNonNull("Message") ? node.get("Message").asText() : body.strip();
            } catch (IOException e) {
                return body.strip();
            }
        }
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "DescribeKeyValueStore: counts, times, ETag.")
    static final class Describe implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.send(HttpRequest.newBuilder(target.uri("")).GET());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "ListKeys, one page (--next-token for the next).")
    static final class ListKeys implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--max-results", defaultValue = "10", description = "1 to 50 (default ${DEFAULT-VALUE})")
        int maxResults;

        @Option(names = "--next-token", description = "NextToken of the previous page")
        String nextToken;

        @Override
        public Integer call() {
            String query = "?MaxResults=" + maxResults + (nextToken == null ? "" : "&NextToken=" + encode(nextToken));
            return target.send(HttpRequest.newBuilder(target.uri("/keys" + query)).GET());
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "GetKey.")
    static final class Get implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--key", required = true)
        String key;

        @Override
        public Integer call() {
            return target.send(HttpRequest.newBuilder(target.uri("/keys/" + encode(key))).GET());
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "PutKey: the key takes effect for the next handshake.")
    static final class Put implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--key", required = true)
        String key;

        @Option(names = "--value", required = true)
        String value;

        @Override
        public Integer call() {
            return target.write("PUT", "/keys/" + encode(key), json(Map.of("Value", value)));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "DeleteKey.")
    static final class Delete implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--key", required = true)
        String key;

        @Override
        public Integer call() {
            return target.write("DELETE", "/keys/" + encode(key), null);
        }
    }

    /** A write whose body is a file: UpdateKeys (update) and the import (import). */
    abstract static class FileWrite implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--file", required = true)
        Path file;

        private final String method;
        private final String tail;

        FileWrite(String method, String tail) {
            this.method = method;
            this.tail = tail;
        }

        @Override
        public Integer call() {
            String body = readFile(file);
            return body == null ? 1 : target.write(method, tail, body);
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "UpdateKeys from a file {\"Puts\":[{\"Key\":..,\"Value\":..}],\"Deletes\":[{\"Key\":..}]}: all or nothing.")
    static final class Update extends FileWrite {
        Update() {
            super("POST", "/keys");
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Replaces the store's contents with a file in the import format {\"data\":[{\"key\":..,\"value\":..}]}.")
    static final class Import extends FileWrite {
        Import() {
            super("PUT", "/data");
        }
    }

    /** The file's text, or null after one line on stderr saying why not. */
    private static String readFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("portcullis kvs: --file: no such file: " + file);
        } catch (IOException e) {
            System.err.println("portcullis kvs: --file: cannot read " + file + ": " + e.getMessage());
        }
        return null;
    }
}
