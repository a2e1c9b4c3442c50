package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.internal.compliance.SensitiveDataScanner;
import java.util.List;
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

/** Scanning a prompt for customer data with every built-in detector on: mixed Chinese and English, numbers, mail. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScanningBenchmark {
    @Param({"4096", "32768"})
    int chars;

    String text;
    SensitiveDataScanner scanner = SensitiveDataScanner.builtIn();

    @Setup
    public void setUp() {
        String base = "客户张三于2026年11月30日致电，询问账户余额与近期交易。Review the statement of 1,234.56 CNY, "
                + "invoice 20261130, reference 7781-2231, and reply to the branch at branch.ops@example.com. ";
        String planted = "身份证 440306199003071232，卡号 6222 0212 3456 7894，电话 13800138000。";
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (sb.length() < chars) {
            sb.append(i++ % 8 == 7 ? planted : base);
        }
        text = sb.substring(0, chars);
    }

    @Benchmark
    public List<Finding> scan() {
        return scanner.scan(text);
    }
}
