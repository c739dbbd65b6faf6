package dev.portcullis.proxy.tls;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place that says which {@link Generation} new connections get. Read once per connection,
 * when SNI picks the distribution; replaced whole by {@link #replace}, which takes effect for the
 * next connection while open ones keep the generation they pinned.
 */
public final class CurrentGeneration {
    private final AtomicReference<Generation> current;

    public CurrentGeneration(Generation first) {
        this.current = new AtomicReference<>(first);
    }

    public Generation get() {
        return current.get();
    }

    /** The current generation, pinned for one connection; unpin it when that connection ends. */
    Generation pin() {
        while (true) {
            Generation g = current.get();
            if (g.pin()) {
                return g;
            }
            // replaced and closed between the read and the pin: the next read sees its successor
        }
    }

    /** Makes {@code next} current; the previous one closes when its last connection ends. */
    public Generation replace(Generation next) {
        Generation previous = current.getAndSet(next);
        previous.unpin();
        return previous;
    }

    /** Shutdown: the current generation closes when its last connection ends. */
    public void release() {
        current.get().unpin();
    }
}
