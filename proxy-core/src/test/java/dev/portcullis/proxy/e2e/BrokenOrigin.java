package dev.portcullis.proxy.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP/1.1 origin that answers each path with fixed bytes, broken on purpose (a bad status line,
 * a huge header, Content-Length with Transfer-Encoding, a chunk without its CRLF), then closes; a
 * path starting with /keep- keeps the connection open afterwards without reading from it.
 * Plain blocking sockets: it is the origin, not the node, that is under test.
 */
final class BrokenOrigin implements AutoCloseable {
    private final ServerSocket server;
    private final Map<String, byte[]> responses;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "broken-origin");
        t.setDaemon(true);
        return t;
    });

    BrokenOrigin(Map<String, byte[]> responses) throws IOException {
        this.responses = Map.copyOf(responses);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.execute(() -> answer(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            String head = readHead(socket.getInputStream());
            String path = head.split(" ", 3)[1];
            byte[] response = responses.getOrDefault(path, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            out.write(response);
            out.flush();
            if (path.startsWith("/keep-")) {
                // keep the connection open without reading another request, as a desynced origin would
                socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException | RuntimeException e) {
            // the node closed first: that is one of the outcomes under test
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' || b == '\n') && (matched % 2 == 0) == (b == '\r') ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // test teardown
        }
        threads.shutdownNow();
    }
}
