package dev.portcullis.loadgen;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The command line: {@code java -cp ... dev.portcullis.loadgen.LoadGenerator --url https://localhost:8443/ ...}.
 * Exit status 0 when the run carried at least one successful request (or held one idle connection),
 * 1 when nothing succeeded, 2 for bad arguments.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = {"Drives mTLS handshakes and HTTP/1.1 or HTTP/2 requests at a loopback TLS server "
                + "(Netty + BoringSSL) and reports throughput, errors by kind and latency percentiles."},
        footer = {"", "Example:",
                "  loadgen --url https://localhost:8443/ --cert client.pem --key client.key --cacert ca.pem \\",
                "          --http 2 --streams 10 --connections 4 --duration 10s --warmup 2s --json out.json"})
public final class LoadGenerator implements Callable<Integer> {

    @Spec CommandSpec commandSpec;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "https://HOST:PORT/PATH; HOST must be a loopback address or resolve to one.")
    String url;
    @Option(names = "--cert", paramLabel = "PEM", description = "Client certificate to present.")
    Path cert;
    @Option(names = "--key", paramLabel = "PEM", description = "Client private key (PEM, PKCS#8 or as Netty reads it).")
    Path key;
    @Option(names = "--chain", paramLabel = "PEM", description = "Extra certificates sent after the client certificate.")
    Path chain;
    @Option(names = "--cacert", paramLabel = "PEM", description = "CA certificates to verify the server with (chain and name).")
    Path caCert;
    @Option(names = "--insecure", description = "Do not verify the server certificate.")
    boolean insecure;
    @Option(names = "--sni", paramLabel = "NAME", description = "SNI name, also the name the server certificate must match (default: URL host).")
    String sni;
    @Option(names = "--tls", paramLabel = "1.3|1.2", defaultValue = "1.3", description = "TLS version (default: ${DEFAULT-VALUE}).")
    String tls;
    @Option(names = "--http", paramLabel = "1.1|2", defaultValue = "1.1", description = "HTTP version, 2 via ALPN h2 (default: ${DEFAULT-VALUE}).")
    String http;
    @Option(names = "--streams", paramLabel = "N", defaultValue = "1", description = "Concurrent HTTP/2 streams per connection (default: ${DEFAULT-VALUE}).")
    int streams;
    @Option(names = "--method", paramLabel = "GET|POST", defaultValue = "GET", description = "Request method (default: ${DEFAULT-VALUE}).")
    String method;
    @Option(names = "--body-size", paramLabel = "BYTES", defaultValue = "0", description = "Request body size, POST only (default: ${DEFAULT-VALUE}).")
    int bodySize;
    @Option(names = "--connections", paramLabel = "C", defaultValue = "1", description = "Keep-alive connections; with --new-connection-per-request, connections in flight (default: ${DEFAULT-VALUE}).")
    int connections;
    @Option(names = "--rate", paramLabel = "R", description = "Open loop: R requests per second, latency from the intended send time.")
    Double rate;
    @Option(names = "--new-connection-per-request", description = "A new connection and full handshake per request.")
    boolean newConnectionPerRequest;
    @Option(names = "--resume", description = "With --new-connection-per-request: allow TLS session resumption (measures resumed handshakes).")
    boolean resume;
    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class, description = "Measured time, e.g. 10s, 500ms, 2m (default: 10s, or unlimited with --requests).")
    Duration duration;
    @Option(names = "--requests", paramLabel = "N", description = "Stop after N measured attempts (successes and failures).")
    Long requests;
    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "0s", converter = DurationConverter.class, description = "Load before measuring, not recorded (default: ${DEFAULT-VALUE}).")
    Duration warmup;
    @Option(names = "--threads", paramLabel = "T", defaultValue = "1", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class, description = "Connect, handshake and request timeout (default: ${DEFAULT-VALUE}).")
    Duration timeout;
    @Option(names = "--hold-idle", paramLabel = "N", description = "Open N connections, one request each, hold them idle for --duration, then close.")
    Integer holdIdle;
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE.")
    Path json;

    private final PrintStream out;
    private final PrintStream err;

    LoadGenerator(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String... args) {
        if (Arrays.asList(args).contains("--resume")) {
            // Netty's BoringSSL client sends TLS 1.2 session tickets only with this set before its SSL classes
            // load; the JDK's own client does by default. TLS 1.3 resumption does not need it.
            System.setProperty("jdk.tls.client.enableSessionTicketExtension",
                    System.getProperty("jdk.tls.client.enableSessionTicketExtension", "true"));
        }
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs the command line; the summary goes to {@code out}, progress and errors to {@code err}. Returns the exit status. */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        CommandLine cli = new CommandLine(new LoadGenerator(out, err));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Parses and validates flags without running anything. */
    public static LoadSpec parse(String... args) {
        LoadGenerator command = new LoadGenerator(System.out, System.err);
        CommandLine cli = new CommandLine(command);
        cli.parseArgs(args);
        return command.toSpec();
    }

    @Override
    public Integer call() {
        LoadSpec spec = toSpec();
        LoadSummary summary;
        try {
            summary = LoadRun.run(spec, err);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandSpec.commandLine(), e.getMessage(), e);
        }
        out.print(summary.toText());
        out.flush();
        if (json != null) {
            writeJson(summary);
        }
        return summary.anySuccess() ? 0 : 1;
    }

    private void writeJson(LoadSummary summary) {
        try {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(json, summary.toJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(commandSpec.commandLine(), "--json " + json + ": cannot write: " + e.getMessage());
        }
    }

    LoadSpec toSpec() {
        boolean http2 = switch (http) {
            case "1.1" -> false;
            case "2" -> true;
            default -> throw bad("--http must be 1.1 or 2, not '" + http + "'");
        };
        boolean tls13 = switch (tls) {
            case "1.3" -> true;
            case "1.2" -> false;
            default -> throw bad("--tls must be 1.3 or 1.2, not '" + tls + "'");
        };
        String verb = method.toUpperCase(java.util.Locale.ROOT);
        require(verb.equals("GET") || verb.equals("POST"), "--method must be GET or POST, not '" + method + "'");
        require(bodySize >= 0, "--body-size must be >= 0");
        require(bodySize == 0 || verb.equals("POST"), "--body-size needs --method POST");
        require(streams >= 1, "--streams must be >= 1");
        require(streams == 1 || http2, "--streams needs --http 2");
        require(streams == 1 || !newConnectionPerRequest, "--streams does not apply to --new-connection-per-request (one request per connection)");
        require(connections >= 1, "--connections must be >= 1");
        require(threads >= 1, "--threads must be >= 1");
        require(rate == null || rate > 0, "--rate must be > 0");
        require(requests == null || requests > 0, "--requests must be > 0");
        require(duration == null || !duration.isZero(), "--duration must be > 0");
        require(!timeout.isZero(), "--timeout must be > 0");
        require(!resume || newConnectionPerRequest, "--resume needs --new-connection-per-request");
        require(cert == null == (key == null), "--cert and --key go together");
        require(chain == null || cert != null, "--chain needs --cert and --key");
        require(!(insecure && caCert != null), "--insecure and --cacert exclude each other");
        require(insecure || caCert != null, "give --cacert FILE to verify the server, or --insecure to skip verification");
        if (holdIdle != null) {
            require(holdIdle >= 1, "--hold-idle must be >= 1");
            require(rate == null && !newConnectionPerRequest && requests == null,
                    "--hold-idle excludes --rate, --new-connection-per-request and --requests");
        }
        for (Path file : new Path[] {cert, key, chain, caCert}) {
            require(file == null || Files.isReadable(file), "cannot read file " + file);
        }
        Duration measured = duration != null ? duration : requests != null ? null : Duration.ofSeconds(10);
        LoadSpec.TlsSettings tlsSettings = new LoadSpec.TlsSettings(Optional.ofNullable(cert), Optional.ofNullable(key),
                Optional.ofNullable(chain), Optional.ofNullable(caCert), insecure, tls13, resume);
        return new LoadSpec(target(), tlsSettings, http2, streams, verb, bodySize, connections,
                rate == null ? 0 : rate, newConnectionPerRequest, measured, requests == null ? 0 : requests,
                holdIdle != null ? Duration.ZERO : warmup, threads, timeout, holdIdle == null ? 0 : holdIdle,
                Optional.ofNullable(json));
    }

    /** Parses --url and resolves it, refusing anything that is not loopback: this tool only drives local servers. */
    private LoadSpec.Target target() {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw bad("--url '" + url + "' is not a URL: " + e.getMessage());
        }
        require("https".equalsIgnoreCase(uri.getScheme()), "--url must start with https://, not '" + url + "'");
        require(uri.getHost() != null, "--url '" + url + "' has no host");
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() == -1 ? 443 : uri.getPort();
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw bad("--url host '" + host + "' does not resolve");
        }
        require(Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress),
                "--url host '" + host + "' is not a loopback address; the load generator only drives local servers");
        // Prefer 127.0.0.1 over ::1 for "localhost": servers commonly bind IPv4 only.
        InetAddress address = Arrays.stream(addresses)
                .min(Comparator.comparingInt(a -> a instanceof Inet4Address ? 0 : 1)).orElseThrow();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String peerHost = sni != null ? sni : host;
        return new LoadSpec.Target(url, new InetSocketAddress(address, port), uri.getRawAuthority(), path, peerHost);
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw bad(message);
        }
    }

    private ParameterException bad(String message) {
        CommandLine cli = commandSpec != null ? commandSpec.commandLine() : new CommandLine(this);
        return new ParameterException(cli, message);
    }
}
