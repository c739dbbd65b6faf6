package dev.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelegatedTaskRouterTest {
    @Test
    void theFirstTaskRunsInPlaceAndEveryLaterOneOnTheHandshakeExecutor() {
        List<Runnable> offloaded = new ArrayList<>();
        List<String> ran = new ArrayList<>();
        DelegatedTaskRouter router = new DelegatedTaskRouter(offloaded::add);

        router.execute(() -> ran.add("server key"));
        router.execute(() -> ran.add("client chain"));
        router.execute(() -> ran.add("anything after"));

        assertThat(ran).containsExactly("server key");
        assertThat(offloaded).hasSize(2);
        offloaded.forEach(Runnable::run);
        assertThat(ran).containsExactly("server key", "client chain", "anything after");
    }
}
