package dev.portcullis.proxy.logs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The node's own log set-up, in code: one line per event on stderr (stdout stays free for command
 * output and stdout log destinations), {@code PORTCULLIS_LOG_LEVEL} (environment or system property,
 * default INFO) for the root, and the libraries that speak too much turned down.
 *
 * <p>Why not logback.xml: parsing it loaded the JDK's XML parser and about 500 classes of Joran on
 * every start, a third of a second of the node's start on one core without CDS (docs/benchmarks.md).
 * A file given with {@code -Dlogback.configurationFile} still wins: then this steps aside.
 */
public final class ConsoleLogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level(), Level.INFO));
        root.addAppender(stderr);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("org.graalvm").setLevel(Level.WARN);
        // jetcd warns on every retry while etcd is away; the node's own portcullis.fleet says so once per outage.
        context.getLogger("io.etcd.jetcd").setLevel(Level.ERROR);
        context.getLogger("io.grpc").setLevel(Level.ERROR);
        context.getLogger("io.vertx").setLevel(Level.ERROR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static String level() {
        String property = System.getProperty("PORTCULLIS_LOG_LEVEL");
        return property != null ? property : System.getenv().getOrDefault("PORTCULLIS_LOG_LEVEL", "INFO");
    }
}
