package dev.portcullis.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A flood of one kind of event writes a few lines and then one count, not a line per event. */
class SummarizedLogTest {
    @Test
    void aFloodIsCutToTheWindowsAllowanceAndCountedInTheNextWindow() {
        Logger logger = (Logger) LoggerFactory.getLogger("test.summarized");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        long[] now = {0};
        SummarizedLog log = new SummarizedLog(logger, false, 3, 10, TimeUnit.SECONDS, () -> now[0]);

        for (int i = 0; i < 10_000; i++) {
            log.log("ClientCertMissing", "refused {}", i);
        }
        log.log("TcpError", "other kind {}", 1);
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("refused 0", "refused 1", "refused 2", "other kind 1");

        now[0] = TimeUnit.SECONDS.toNanos(11);
        log.log("ClientCertMissing", "refused {}", "later");
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).hasSize(6);
        assertThat(lines.list.get(4).getFormattedMessage()).startsWith("9997 more like the next line (ClientCertMissing)");
        assertThat(lines.list.get(5).getFormattedMessage()).isEqualTo("refused later");
        logger.detachAppender(lines);
    }
}
