package dev.portcullis.loadgen;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The load one event loop offers: its share of the connections (or of the rate), and every decision
 * about what to send next. Only ever touched on its own event loop, so it needs no locks.
 *
 * <ul>
 *   <li>closed loop: each free slot sends its next request as soon as the previous response ended;</li>
 *   <li>open loop: a timer queues requests at their intended times; free slots take them in order;</li>
 *   <li>new connection per request: a slot is a whole connection, closed after its one response;</li>
 *   <li>hold-idle: open connections, one request each, then leave them be.</li>
 * </ul>
 */
final class Worker {
    /** Hold-idle opens connections this many at a time, so a large N does not arrive as one burst of SYNs. */
    private static final int HOLD_CONCURRENCY = 64;
    private static final long SWEEP_MILLIS = 100;

    private final EventLoop loop;
    private final LoadSpec spec;
    private final LoadSpec.Mode mode;
    private final Stats stats;
    private final RunControl control;
    private final Bootstrap bootstrap;
    private final SslContext sslContext;
    private final ByteCounter byteCounter;
    private final RequestTemplate requests;
    private final int share;
    private final double intervalNanos;
    private final long timeoutNanos;
    private final CountDownLatch established;

    private final Set<Connection> live = new LinkedHashSet<>();
    private final ArrayDeque<Connection> available = new ArrayDeque<>();
    private final ArrayDeque<Long> pending = new ArrayDeque<>();
    private double nextIntended;
    private boolean generating;
    private int holdStarted;
    private int holdSettled;
    private boolean holdEstablished;
    private boolean stopping;
    private Runnable onDrained;
    private ScheduledFuture<?> sweeper;

    Worker(EventLoop loop, LoadSpec spec, Stats stats, RunControl control, Bootstrap bootstrap, SslContext sslContext,
           int share, double rate, CountDownLatch established) {
        this.loop = loop;
        this.spec = spec;
        this.mode = spec.mode();
        this.stats = stats;
        this.control = control;
        this.bootstrap = bootstrap;
        this.sslContext = sslContext;
        this.byteCounter = new ByteCounter(stats);
        this.requests = new RequestTemplate(spec);
        this.share = share;
        this.intervalNanos = rate > 0 ? 1e9 / rate : 0;
        this.timeoutNanos = spec.timeout().toNanos();
        this.established = established;
    }

    void start() {
        loop.execute(() -> {
            sweeper = loop.scheduleAtFixedRate(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            long now = System.nanoTime();
            switch (mode) {
                case CLOSED_LOOP -> {
                    for (int i = 0; i < share; i++) {
                        if (spec.newConnectionPerRequest()) {
                            startFresh(now);
                        } else {
                            openPooled();
                        }
                    }
                }
                case OPEN_LOOP -> {
                    if (!spec.newConnectionPerRequest()) {
                        for (int i = 0; i < share; i++) {
                            openPooled();
                        }
                    }
                    generating = intervalNanos > 0;
                    nextIntended = now;
                    tick();
                }
                case HOLD_IDLE -> fillHold();
            }
        });
    }

    // ---- what connections and exchangers call

    SslHandler newSslHandler(Channel channel) {
        LoadSpec.Target target = spec.target();
        SslHandler handler = sslContext.newHandler(channel.alloc(), target.peerHost(), target.address().getPort());
        handler.setHandshakeTimeoutMillis(spec.timeout().toMillis());
        return handler;
    }

    ByteCounter byteCounter() {
        return byteCounter;
    }

    RequestTemplate requests() {
        return requests;
    }

    boolean tls13() {
        return spec.tls().tls13();
    }

    boolean http2() {
        return spec.http2();
    }

    int slotsPerConnection() {
        return spec.slotsPerConnection();
    }

    void handshake(Connection connection, long nanos) {
        stats.handshake(connection.measured, nanos);
    }

    void ready(Connection connection) {
        if (connection.dedicated != null) {
            connection.send(connection.dedicated); // even when stopping: its request started before the stop
        } else if (stopping) {
            connection.closeByUs();
        } else {
            switch (mode) {
                case CLOSED_LOOP -> fill(connection);
                case OPEN_LOOP -> {
                    makeAvailable(connection);
                    pumpPending();
                }
                case HOLD_IDLE -> connection.send(new Exchange(System.nanoTime(), true));
            }
        }
    }

    void responded(Connection connection, Exchange exchange, int status, long now) {
        stats.response(exchange.measured, status, now - exchange.start);
        afterExchange(connection, ErrorKind.ofStatus(status) == null);
    }

    void failed(Connection connection, Exchange exchange, Failure failure) {
        stats.failure(exchange.measured, failure);
        afterExchange(connection, false);
    }

    /** A connection failed before it carried any request (refused, handshake rejected, closed early). */
    void connectionFailed(Connection connection, Failure failure) {
        stats.failure(connection.measured, failure);
    }

    void closed(Connection connection) {
        live.remove(connection);
        if (connection.held) {
            stats.idleOpen.decrementAndGet();
        }
        if (mode == LoadSpec.Mode.HOLD_IDLE) {
            settle(connection);
        } else if (!stopping && !control.stopping()) {
            if (connection.dedicated == null) {
                openPooled();
            } else if (mode == LoadSpec.Mode.CLOSED_LOOP) {
                startFresh(System.nanoTime());
            }
        }
        checkDrained();
    }

    // ---- decisions

    private void afterExchange(Connection connection, boolean success) {
        if (connection.dedicated != null) {
            connection.closeByUs();
        } else if (mode == LoadSpec.Mode.HOLD_IDLE) {
            if (success && !connection.settled) {
                connection.held = true;
                stats.idleOpened();
                settle(connection);
            } else {
                connection.closeByUs();
            }
        } else if (!connection.acceptsMore()) {
            if (connection.inFlight() == 0) {
                connection.closeByUs(); // and closed() opens a replacement
            }
        } else if (mode == LoadSpec.Mode.OPEN_LOOP) {
            makeAvailable(connection);
            pumpPending();
        } else if (!stopping) {
            fill(connection);
        }
        checkDrained();
    }

    private void fill(Connection connection) {
        while (connection.canSend()) {
            long now = System.nanoTime();
            if (!control.mayStart(now)) {
                return;
            }
            connection.send(new Exchange(now, control.measured(now)));
        }
    }

    private void tick() {
        generateDue();
        if (generating && !stopping) {
            loop.schedule(this::tick, Math.max(0, (long) nextIntended - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** Issues (new connection) or queues (keep-alive) every request whose intended time has come. */
    private void generateDue() {
        long now = System.nanoTime();
        while (generating && nextIntended <= now) {
            long intended = (long) nextIntended;
            if (!control.mayGenerate(intended)) {
                generating = false; // deadline passed or budget spent: both final
                break;
            }
            nextIntended += intervalNanos;
            if (spec.newConnectionPerRequest()) {
                Exchange exchange = new Exchange(intended, control.measured(intended));
                connect(exchange, exchange.measured);
            } else {
                pending.addLast(intended);
            }
        }
        pumpPending();
    }

    /** Queued open-loop requests go out even while draining: they were due before the stop. */
    private void pumpPending() {
        while (!pending.isEmpty()) {
            Connection connection = available.peekFirst();
            if (connection == null) {
                return;
            }
            if (!connection.canSend()) {
                available.pollFirst();
                connection.inAvailable = false;
                continue;
            }
            long intended = pending.pollFirst();
            connection.send(new Exchange(intended, control.measured(intended)));
        }
    }

    private void makeAvailable(Connection connection) {
        if (!connection.inAvailable) {
            connection.inAvailable = true;
            available.addLast(connection);
        }
    }

    private void fillHold() {
        while (holdStarted < share && holdStarted - holdSettled < HOLD_CONCURRENCY && !stopping) {
            holdStarted++;
            connect(null, true);
        }
        if (holdSettled == share && !holdEstablished) {
            holdEstablished = true;
            established.countDown();
        }
    }

    private void settle(Connection connection) {
        if (!connection.settled) {
            connection.settled = true;
            holdSettled++;
            fillHold();
        }
    }

    private void startFresh(long start) {
        if (control.mayStart(start)) {
            Exchange exchange = new Exchange(start, control.measured(start));
            connect(exchange, exchange.measured);
        }
    }

    private void openPooled() {
        connect(null, control.measured(System.nanoTime()));
    }

    private void connect(Exchange dedicated, boolean measured) {
        Connection connection = new Connection(this, dedicated, System.nanoTime(), measured);
        live.add(connection);
        connection.connecting(bootstrap.clone().handler(connection.initializer()).connect(spec.target().address()));
    }

    /** Times out requests (and queued open-loop requests) older than --timeout. */
    private void sweep() {
        long cutoff = System.nanoTime() - timeoutNanos;
        for (Connection connection : new ArrayList<>(live)) {
            connection.expire(cutoff);
        }
        while (!pending.isEmpty() && pending.peekFirst() - cutoff < 0) {
            stats.failure(control.measured(pending.pollFirst()), Failure.TIMEOUT);
        }
        checkDrained();
    }

    // ---- the end

    /** Stops starting requests; runs {@code drained} (on this loop) once no request is in flight. */
    void drain(Runnable drained) {
        loop.execute(() -> {
            if (mode == LoadSpec.Mode.OPEN_LOOP) {
                generateDue(); // the timer may be a little behind the deadline
            }
            stopping = true;
            generating = false;
            onDrained = drained;
            checkDrained();
        });
    }

    private void checkDrained() {
        if (onDrained == null || !pending.isEmpty()) {
            return;
        }
        for (Connection connection : live) {
            if (connection.inFlight() > 0 || connection.dedicated != null && !connection.ready()) {
                return;
            }
        }
        Runnable drained = onDrained;
        onDrained = null;
        drained.run();
    }

    /** Closes every connection; the futures complete when they are closed. */
    List<ChannelFuture> closeAll() {
        stopping = true;
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (Connection connection : new ArrayList<>(live)) {
            if (connection.channel() != null) {
                closing.add(connection.closeByUs());
            }
        }
        return closing;
    }

    EventLoop loop() {
        return loop;
    }
}
