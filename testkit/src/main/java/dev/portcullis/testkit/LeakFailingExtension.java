package dev.portcullis.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Registered for every test
 * through JUnit's extension auto-detection (see META-INF/services), so no test can forget it.
 * Leaks are only noticed after GC collects the lost buffer and the detector polls its queue on a
 * later allocation, so this collects garbage and allocates a few tracked buffers before it looks.
 */
public final class LeakFailingExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!nettyPresent()) {
            return;
        }
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            Thread.sleep(50); // let the GC enqueue the phantom references the detector polls
            pokeDetectors();
        }
        List<String> leaks = RecordingLeakDetector.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) in " + context.getDisplayName()
                    + ":\n" + String.join("\n", leaks));
        }
    }

    private static void pokeDetectors() {
        ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
        ByteBuf c = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
        a.release();
        b.release();
        c.release();
    }

    private static boolean nettyPresent() {
        try {
            Class.forName("io.netty.buffer.ByteBuf", false, LeakFailingExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
