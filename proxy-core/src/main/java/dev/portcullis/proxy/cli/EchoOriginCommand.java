package dev.portcullis.proxy.cli;

import dev.portcullis.config.SocketAddresses;
import dev.portcullis.proxy.demo.EchoOrigin;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code portcullis echo-origin}: the demo's origin on its own, so the demo's edge.yaml runs again as it was. */
@Command(name = "echo-origin", mixinStandardHelpOptions = true,
        description = "An origin that answers with the request line, the headers and trailers it received (h2c and HTTP/1.1).")
final class EchoOriginCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1:0", description = "host:port (default: ${DEFAULT-VALUE})")
    String listen;

    @Override
    public Integer call() throws InterruptedException {
        java.net.InetSocketAddress address;
        try {
            address = SocketAddresses.parse(listen, 0);
        } catch (IllegalArgumentException e) {
            System.err.println("--listen: " + e.getMessage());
            return 2;
        }
        try (EchoOrigin origin = EchoOrigin.start(address)) {
            System.out.println("echo origin on 127.0.0.1:" + origin.port() + "; Ctrl-C to stop");
            CountDownLatch stop = new CountDownLatch(1);
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            stop.await();
        }
        return 0;
    }
}
