package dev.portcullis.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandOffRingTest {

    @Test
    void holdsExactlyItsCapacityEvenWhenThatIsNoPowerOfTwo() {
        HandOffRing<Integer> queue = new HandOffRing<>(5);
        for (int i = 0; i < 5; i++) {
            assertThat(queue.offer(i)).isTrue();
        }
        assertThat(queue.offer(5)).as("sixth record in a queue of five").isFalse();
        assertThat(queue.size()).isEqualTo(5);

        List<Integer> out = new ArrayList<>();
        assertThat(queue.drainTo(out, 2)).isEqualTo(2);
        assertThat(out).containsExactly(0, 1);
        assertThat(queue.stoppedAtUnfilledSlot()).as("stopped by max, next slot filled").isFalse();
        assertThat(queue.offer(6)).isTrue();
        assertThat(queue.offer(7)).isTrue();
        assertThat(queue.offer(8)).isFalse();
        assertThat(queue.drainTo(out, 100)).isEqualTo(5);
        assertThat(out).containsExactly(0, 1, 2, 3, 4, 6, 7);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.stoppedAtUnfilledSlot()).as("empty, nothing claimed").isFalse();
    }

    @Test
    void keepsClaimOrderAcrossManyWrapsOfTheRing() {
        HandOffRing<Integer> queue = new HandOffRing<>(3);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            assertThat(queue.offer(i)).isTrue();
            if (i % 3 == 2) {
                queue.drainTo(out, 3);
            }
        }
        queue.drainTo(out, 3);
        assertThat(out).hasSize(1_000);
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i)).isEqualTo(i);
        }
    }

    @Test
    void refusesCapacitiesItCannotHold() {
        assertThatThrownBy(() -> new HandOffRing<>(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HandOffRing<>((1 << 30) + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Producers racing each other and the consumer, in a queue small enough to be full often: every
     * accepted record comes out exactly once, each producer's in its own order, and accepted plus refused
     * is what was offered.
     */
    @Test
    void racingProducersLoseNothingTheyWereToldWasAccepted() throws Exception {
        int producers = 4;
        int perProducer = 200_000;
        HandOffRing<long[]> queue = new HandOffRing<>(1_000);
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<List<Integer>> acceptedByProducer = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            List<Integer> accepted = new ArrayList<>();
            acceptedByProducer.add(accepted);
            threads.add(Thread.ofPlatform().start(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perProducer; i++) {
                    if (queue.offer(new long[] {producer, i})) {
                        accepted.add(i);
                    } else {
                        refused.incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        List<long[]> taken = new ArrayList<>();
        List<long[]> batch = new ArrayList<>();
        while (threads.stream().anyMatch(Thread::isAlive) || !queue.isEmpty()) {
            batch.clear();
            queue.drainTo(batch, 256);
            taken.addAll(batch);
            Thread.onSpinWait();
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(taken.size() + refused.get()).isEqualTo(producers * perProducer);
        int[] nextIndex = new int[producers];
        for (long[] record : taken) {
            int producer = (int) record[0];
            List<Integer> expected = acceptedByProducer.get(producer);
            assertThat(record[1]).as("producer %d's records in order", producer)
                    .isEqualTo(expected.get(nextIndex[producer]++).longValue());
        }
        for (int p = 0; p < producers; p++) {
            assertThat(nextIndex[p]).isEqualTo(acceptedByProducer.get(p).size());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
