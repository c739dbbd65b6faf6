package dev.portcullis.logs;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/** What a test may choose about a writer: a target of its own, the stream for stdout, the clock, the check interval. */
final class WriterSetup {
    LogTarget target;
    OutputStream stdout = System.out;
    LongSupplier clock = System::currentTimeMillis;
    Duration checkInterval = Duration.ofSeconds(1);

    <T> LogWriter<T> start(LogSchema<T> schema, LogSettings settings, MeterRegistry registry) {
        LogTarget chosen = target != null ? target : LogWriter.targetFor(settings, schema, stdout);
        return new LogWriter<>(schema, settings, registry, chosen, clock, checkInterval).start();
    }
}
