package dev.portcullis.proxy.e2e;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Random;

/** Ports for nodes started as processes, which must be told their ports in the config. */
final class FreePorts {
    private FreePorts() {
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up): a port 0 hands out could be
     * given again to an echo origin or a client (they bind port 0) before the node binds this one.
     */
    static int belowEphemeral() {
        Random random = new Random();
        for (int i = 0; i < 200; i++) {
            int port = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (java.io.IOException taken) {
                // try another
            }
        }
        throw new AssertionError("no free port below 32000");
    }
}
