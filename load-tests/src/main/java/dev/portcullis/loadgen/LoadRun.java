package dev.portcullis.loadgen;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link LoadSpec} to its end: starts a {@link Worker} per event loop, prints a progress line a
 * second, stops at the deadline or the request count, lets requests in flight finish (bounded by the
 * timeout), closes every connection and shuts the event loops down. Always returns.
 */
public final class LoadRun {
    private static final long SECOND = 1_000_000_000L;

    private final LoadSpec spec;
    private final PrintStream progress;
    private final Transport transport = Transport.best();
    private final List<Worker> workers = new ArrayList<>();
    private Stats stats;
    private RunControl control;
    private long start;

    private LoadRun(LoadSpec spec, PrintStream progress) {
        this.spec = spec;
        this.progress = progress;
    }

    /**
     * Runs the load and returns what was measured. Progress lines go to {@code progress}.
     *
     * @throws IllegalArgumentException when the certificate, key or CA files cannot be used
     */
    public static LoadSummary run(LoadSpec spec, PrintStream progress) {
        return new LoadRun(spec, progress).run();
    }

    private LoadSummary run() {
        SslContext sslContext = ClientTls.context(spec);
        EventLoopGroup group = transport.newGroup(spec.threads());
        try {
            start = System.nanoTime();
            long recordFrom = start + spec.warmup().toNanos();
            control = new RunControl(recordFrom, spec.duration() == null || spec.mode() == LoadSpec.Mode.HOLD_IDLE
                    ? Long.MAX_VALUE : recordFrom + spec.duration().toNanos(), spec.requests());
            stats = new Stats(spec.requests());
            CountDownLatch established = new CountDownLatch(spec.threads());
            int total = spec.mode() == LoadSpec.Mode.HOLD_IDLE ? spec.holdIdle() : spec.connections();
            for (int i = 0; i < spec.threads(); i++) {
                int share = total / spec.threads() + (i < total % spec.threads() ? 1 : 0);
                var loop = group.next();
                Bootstrap bootstrap = new Bootstrap().group(loop).channel(transport.channelType())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, spec.timeout().toMillis()));
                workers.add(new Worker(loop, spec, stats, control, bootstrap, sslContext, share,
                        spec.rate() / spec.threads(), established));
            }
            if (spec.warmup().isZero()) {
                stats.startMeasuringBytes();
            }
            workers.forEach(Worker::start);
            LoadSummary.IdleConnections idle = null;
            long end;
            long drained;
            if (spec.mode() == LoadSpec.Mode.HOLD_IDLE) {
                idle = holdIdle(established);
                end = System.nanoTime();
                drained = end;
            } else {
                measure();
                end = System.nanoTime();
                control.stop();
                drain();
                drained = System.nanoTime();
            }
            closeAll();
            // Rates use the measured window only; requests that were in flight at its end still count, and an
            // overloaded server's drain (up to --timeout) does not dilute them.
            double seconds = Math.max(1e-9, (end - control.recordFrom()) / 1e9);
            return LoadSummary.of(spec, transport.name(), seconds, (drained - end) / 1e9, stats.snapshot(), idle);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            ReferenceCountUtil.release(sslContext);
        }
    }

    /** Waits for the deadline or the request count, printing progress each second. */
    private void measure() {
        long deadline = spec.duration() == null ? Long.MAX_VALUE : control.recordFrom() + spec.duration().toNanos();
        Progress line = new Progress();
        boolean measuringBytes = spec.warmup().isZero();
        while (true) {
            long now = System.nanoTime();
            if (!measuringBytes && now - control.recordFrom() >= 0) {
                stats.startMeasuringBytes();
                measuringBytes = true;
            }
            if (now - deadline >= 0 || stats.targetReached().getCount() == 0) {
                return;
            }
            long wake = Math.min(line.next, measuringBytes ? deadline : control.recordFrom());
            awaitTarget(Math.max(0, wake - now));
            if (System.nanoTime() - line.next >= 0) {
                line.print(now - control.recordFrom() < 0);
            }
        }
    }

    private LoadSummary.IdleConnections holdIdle(CountDownLatch established) {
        Progress line = new Progress();
        while (!await(established, Math.max(0, line.next - System.nanoTime()))) {
            line.printIdle("opening");
        }
        int opened = stats.idleOpen.get();
        progress.printf(Locale.ROOT, "holding %d idle connections for %s%n", opened, format(spec.duration()));
        long deadline = System.nanoTime() + spec.duration().toNanos();
        while (System.nanoTime() - deadline < 0) {
            sleepUntil(Math.min(line.next, deadline));
            if (System.nanoTime() - line.next >= 0) {
                line.printIdle("holding");
            }
        }
        int openAtEnd = stats.idleOpen.get();
        progress.printf(Locale.ROOT, "closing %d idle connections (%d were opened)%n", openAtEnd, opened);
        return new LoadSummary.IdleConnections(spec.holdIdle(), opened, openAtEnd);
    }

    /** Lets the requests in flight end; the sweeper fails any older than the timeout, so this is bounded. */
    private void drain() {
        CountDownLatch drained = new CountDownLatch(workers.size());
        workers.forEach(w -> w.drain(drained::countDown));
        await(drained, spec.timeout().toNanos() + 2 * SECOND);
    }

    private void closeAll() {
        List<ChannelFuture> closing = new ArrayList<>();
        for (Worker worker : workers) {
            try {
                closing.addAll(worker.loop().submit(worker::closeAll).get(5, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                progress.println("could not close the connections of one event loop: " + e);
            }
        }
        long deadline = System.nanoTime() + 5 * SECOND;
        for (ChannelFuture future : closing) {
            future.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void awaitTarget(long nanos) {
        await(stats.targetReached(), nanos);
    }

    private static boolean await(CountDownLatch latch, long nanos) {
        try {
            return latch.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static void sleepUntil(long nanoTime) {
        await(new CountDownLatch(1), Math.max(0, nanoTime - System.nanoTime()));
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
    }

    /** One line per second on stderr: rates over the last second, errors so far. */
    private final class Progress {
        long next = start + SECOND;
        private long lastTime = start;
        private long lastOk;
        private long lastHandshakes;

        void print(boolean warmup) {
            long now = System.nanoTime();
            double dt = Math.max(1e-9, (now - lastTime) / 1e9);
            long ok = stats.progressOk.sum();
            long handshakes = stats.progressHandshakes.sum();
            progress.printf(Locale.ROOT, "[%7.1fs]%s %10.1f req/s %9.1f handshakes/s  errors %d%n",
                    (now - start) / 1e9, warmup ? " warmup" : "", (ok - lastOk) / dt, (handshakes - lastHandshakes) / dt,
                    stats.progressTotalErrors());
            lastTime = now;
            lastOk = ok;
            lastHandshakes = handshakes;
            advance(now);
        }

        void printIdle(String phase) {
            long now = System.nanoTime();
            progress.printf(Locale.ROOT, "[%7.1fs] %s: %d/%d connections open, errors %d%n",
                    (now - start) / 1e9, phase, stats.idleOpen.get(), spec.holdIdle(), stats.progressTotalErrors());
            advance(now);
        }

        private void advance(long now) {
            while (next - now <= 0) {
                next += SECOND;
            }
        }
    }
}
