package dev.portcullis.proxy.tls;

import java.util.concurrent.Executor;

/**
 * Where one connection's delegated TLS tasks run. With netty-tcnative's task mode on, BoringSSL hands
 * out two tasks per handshake: first, while it reads the ClientHello, the choice of the server's own
 * certificate and key (Netty's key-material callback: a few JNI calls); later, when the client's chain
 * arrives, the chain check with the connection function. Only the second may take long, so the first
 * runs right here on the event loop and only the rest go to the handshake executor. That spares a
 * round trip between threads per handshake: a futex wake and two context switches, which on a
 * one-core node cost about as much as the connection function itself.
 *
 * <p>The order comes from the protocol (the server picks its certificate before it can ask for the
 * client's). Should a future BoringSSL or Netty hand out the client check first, it would run on the
 * event loop; {@link ClientAuthenticator} refuses to run a function there (the handshake fails as
 * Internal), so that mistake shows in every function test instead of blocking event loops.
 *
 * <p>Called on the connection's event loop only (SslHandler submits tasks from there): no locking.
 */
final class DelegatedTaskRouter implements Executor {
    private final Executor handshakeExecutor;
    private boolean serverKeyChosen;

    DelegatedTaskRouter(Executor handshakeExecutor) {
        this.handshakeExecutor = handshakeExecutor;
    }

    @Override
    public void execute(Runnable task) {
        if (!serverKeyChosen) {
            serverKeyChosen = true;
            // SslHandler's task runner resumes the handshake through the event loop's queue, not re-entrantly.
            task.run();
        } else {
            handshakeExecutor.execute(task);
        }
    }
}
