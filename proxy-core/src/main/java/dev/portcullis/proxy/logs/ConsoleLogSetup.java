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
 * A file given with {@code -Dlogback.configurationFile} still wins: then this steps aside (unless
 * the file is missing); a {@code logback.xml} elsewhere on the class path no longer does.
 */
public final class ConsoleLogSetup extends ContextAwareBase implements Configurator {
    private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        String file = System.getProperty("logback.configurationFile");
        if (file != null) {
            if (findable(file)) {
                return ExecutionStatus.INVOKE_NEXT_IF_ANY; // logback's own configurator reads it
            }
            // Else logback would fall back to DEBUG on stdout, which is for command output.
            warn("logback.configurationFile " + file + " not found; logging as without it");
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
        String level = level();
        Level parsed = Level.toLevel(level, null);
        if (parsed == null) {
            warn("PORTCULLIS_LOG_LEVEL " + level + " is not a level (TRACE, DEBUG, INFO, WARN, ERROR, OFF); using INFO");
            parsed = Level.INFO;
        }
        root.setLevel(parsed);
        root.addAppender(stderr);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("org.graalvm").setLevel(Level.WARN);
        // jetcd warns on every retry while etcd is away; the node's own portcullis.fleet says so once per outage.
        context.getLogger("io.etcd.jetcd").setLevel(Level.ERROR);
        context.getLogger("io.grpc").setLevel(Level.ERROR);
        context.getLogger("io.vertx").setLevel(Level.ERROR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * One line on stderr. Not logback's addWarn: a warning makes logback print its whole status list
     * on stdout, which is for command output.
     */
    private static void warn(String message) {
        System.err.println("portcullis: " + message);
    }

    /** As logback looks it up: a URL, a file, or a class-path resource. */
    private static boolean findable(String name) {
        if (name.contains("://") || name.startsWith("file:") || name.startsWith("classpath:")) {
            return true; // logback resolves and reports these itself
        }
        return java.nio.file.Files.isReadable(java.nio.file.Path.of(name))
                || ConsoleLogSetup.class.getClassLoader().getResource(name) != null;
    }

    private static String level() {
        String property = System.getProperty("PORTCULLIS_LOG_LEVEL");
        return property != null ? property : System.getenv().getOrDefault("PORTCULLIS_LOG_LEVEL", "INFO");
    }
}
