package dev.switchboard.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;

/**
 * A Netty leak detector that remembers every leak it reports, so tests can fail on a leaked buffer instead of
 * leaving a line in a log nobody reads. Enable it with the system property
 * {@code io.netty.customResourceLeakDetector=dev.switchboard.testkit.LeakRecordingDetector} and level
 * {@code paranoid} (the build does both for every test), then call {@link #assertNoLeaks()}.
 */
public final class LeakRecordingDetector<T> extends ResourceLeakDetector<T> {
    private static final List<String> LEAKS = new ArrayList<>();

    public LeakRecordingDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    public LeakRecordingDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        synchronized (LEAKS) {
            LEAKS.add(resourceType + " leaked:" + records);
        }
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        synchronized (LEAKS) {
            LEAKS.add(resourceType + " leaked (untraced)");
        }
        super.reportUntracedLeak(resourceType);
    }

    /** Leaks reported so far. */
    public static List<String> leaks() {
        synchronized (LEAKS) {
            return List.copyOf(LEAKS);
        }
    }

    /** Forgets the leaks seen so far; for the detector's own test. */
    static void reset() {
        synchronized (LEAKS) {
            LEAKS.clear();
        }
    }

    /**
     * Collects garbage and allocates a few buffers (detection runs on allocation), then throws if any leak was
     * reported since the JVM started.
     */
    public static void assertNoLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            for (int i = 0; i < 64; i++) {
                ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
                buf.release();
            }
        }
        List<String> leaks = leaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " ByteBuf leak(s):\n" + String.join("\n\n", leaks));
        }
    }
}
