package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.internal.compliance.RequestScanner;
import dev.switchboard.core.internal.compliance.SensitiveDataScanner;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The early scan of a decoded request, through the API every build has ({@code RequestScanner.assess(tree)}), so
 * the same class measures an old build and a new one: the body of {@link ScanBodies} with a banking prompt or a
 * passage of this project's docs (prose, tables, figures), 200 and 2,000 prompt tokens. (To measure an old build,
 * copy this class and {@code ScanBodies} into its benchmarks module.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TreeScanBenchmark {
    @Param({"200", "2000"})
    int promptTokens;

    @Param({"banking", "docs"})
    String text;

    RequestView view;
    RequestScanner scanner = new RequestScanner(SensitiveDataScanner.builtIn(),
            dev.switchboard.core.config.ComplianceSpec.Media.INTERNAL);

    @Setup
    public void setUp() throws Exception {
        String passage = text.equals("banking") ? ScanBodies.BANKING
                : java.nio.file.Files.readString(java.nio.file.Path.of("docs/ROUTING.md"));
        StringBuilder sb = new StringBuilder();
        while (sb.length() < promptTokens * 4) {
            sb.append(passage);
        }
        view = ScanBodies.chat(sb.substring(0, promptTokens * 4));
    }

    @Benchmark
    public Assessment scan() {
        return scanner.assess(view.tree());
    }
}
