package dev.portcullis.proxy.e2e;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw mTLS connection to the node (the JDK's TLS, HTTP/1.1 by ALPN), for requests no honest
 * client library sends: malformed chunks, doubled Host headers, trailers, a head sent a byte at a time.
 */
final class RawTls implements AutoCloseable {
    private final SSLSocket socket;

    private RawTls(SSLSocket socket) {
        this.socket = socket;
    }

    static RawTls connect(TestPki pki, String client, int port) {
        return connect(pki, client, port, "localhost");
    }

    static RawTls connect(TestPki pki, String client, int port, String serverName) {
        try {
            Path dir = pki.dir;
            JdkSslContext context = (JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .keyManager(dir.resolve(client + "-chain.pem").toFile(), dir.resolve(client + ".key").toFile())
                    .trustManager(dir.resolve("root.pem").toFile())
                    .build();
            SSLSocket socket = (SSLSocket) context.context().getSocketFactory().createSocket("127.0.0.1", port);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(serverName)));
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(false); // the JDK's default, said here because RequiredModeTest relies on Nagle
            socket.startHandshake();
            return new RawTls(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawTls send(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One response with a Content-Length (head and body), leaving the connection open. */
    String readResponse() {
        String text = readHead();
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length: *(\\d+)").matcher(text);
        byte[] body = length.find() ? readBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return text + new String(body, StandardCharsets.ISO_8859_1);
    }

    /** A response's head, up to and including the blank line; its body is left to read. */
    String readHead() {
        try {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("closed after: " + head.toString(StandardCharsets.ISO_8859_1));
                }
                head.write(b);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Up to {@code n} bytes; fewer only if the node closed the connection first. */
    byte[] readBytes(int n) {
        try {
            return socket.getInputStream().readNBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the node sends until it closes the connection (or 30 s pass: then the test fails). */
    String readToClose() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the node kept the connection open; it sent: " + out.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            // a reset after the response is the node closing too
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a test connection
        }
    }
}
