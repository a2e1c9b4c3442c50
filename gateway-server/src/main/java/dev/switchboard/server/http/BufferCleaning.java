package dev.switchboard.server.http;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * How Netty frees the native memory behind its direct buffers on this JVM, and whether that is costly.
 *
 * <p>On JDK 17 Netty frees it through {@code sun.misc.Unsafe}, at the cost of a call. From Java 24 on it no longer uses
 * {@code Unsafe}'s memory methods unless allowed ({@code --sun-misc-unsafe-memory-access=allow}); it then calls
 * {@code malloc} and {@code free} through the foreign-function API where the code has native access
 * ({@code --enable-native-access=ALL-UNNAMED}, or the {@code Enable-Native-Access} attribute that
 * {@code switchboard.jar}'s manifest carries), and otherwise allocates each block in a shared memory arena, whose
 * closing stops every thread of the JVM (a handshake). The pooled allocator frees blocks all the time under load: a
 * sidecar measured 17,000 handshakes a second, its throughput a fraction of the same build's with native access
 * (BENCHMARKS.md §7). The sidecar says so at start, with the flag that fixes it.
 *
 * <p>Read from Netty's own choice (its cleaner's {@code hasExpensiveClean}), by reflection on a class of the pinned
 * Netty version: where that is not readable (a Netty that changed, a module that does not open the package), the
 * answer is {@link #UNKNOWN} and nothing is said.
 */
public enum BufferCleaning {
    /** A call per freed block (Unsafe, or malloc/free). */
    CHEAP,
    /** A shared arena closed per freed block: a handshake of every thread each time. */
    COSTLY,
    /** Netty's choice could not be read. */
    UNKNOWN;

    private static final BufferCleaning THIS_JVM = read();

    /** How Netty frees buffers in this JVM (read once). */
    public static BufferCleaning ofThisJvm() {
        return THIS_JVM;
    }

    /** What to tell an operator at start: only when freeing is {@link #COSTLY}. */
    public Optional<String> warning() {
        if (this != COSTLY) {
            return Optional.empty();
        }
        return Optional.of("switchboard: warning: on Java " + Runtime.version().feature() + " without native access, "
                + "Netty frees each pooled buffer by closing a shared memory arena, which stops every thread of the "
                + "JVM (thousands of times a second under load: a fraction of the throughput). Start with "
                + "--enable-native-access=ALL-UNNAMED (java -jar switchboard.jar has it from its manifest) or "
                + "--sun-misc-unsafe-memory-access=allow; see OPERATIONS.md, \"JVM flags\".");
    }

    private static BufferCleaning read() {
        try {
            Class<?> platform = Class.forName("io.netty.util.internal.PlatformDependent");
            Field field = platform.getDeclaredField("CLEANER");
            field.setAccessible(true);
            Object cleaner = field.get(null);
            if (cleaner == null) {
                return UNKNOWN;
            }
            Method expensive = Class.forName("io.netty.util.internal.Cleaner").getDeclaredMethod("hasExpensiveClean");
            expensive.setAccessible(true);
            return (Boolean) expensive.invoke(cleaner) ? COSTLY : CHEAP;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // InaccessibleObjectException (a module that does not open the package) is a RuntimeException.
            return UNKNOWN;
        }
    }
}
