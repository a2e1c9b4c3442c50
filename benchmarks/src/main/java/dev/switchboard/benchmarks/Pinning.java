package dev.switchboard.benchmarks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code e2e --pin CPUS}: the proxies under test (this build's sidecar, a baseline, nginx) on the given CPUs, and the
 * simulated model and the load generator (this process) on the others, with {@code taskset}, so a run compares with
 * published single-core figures and the measured side never competes with the load for a core.
 */
final class Pinning {
    private final String proxies;
    private final String others;

    private Pinning(String proxies, String others) {
        this.proxies = proxies;
        this.others = others;
    }

    /** Parses a CPU list ({@code 0}, {@code 0-1}, {@code 0,2}) against the CPUs this process may use. */
    static Pinning of(String cpus) {
        TreeSet<Integer> all = new TreeSet<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            all.add(i);
        }
        TreeSet<Integer> chosen = new TreeSet<>();
        for (String part : cpus.split(",")) {
            String[] range = part.trim().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            for (int i = from; i <= to; i++) {
                if (!all.contains(i)) {
                    throw new IllegalArgumentException("--pin: CPU " + i + " is not available (0-" + (all.size() - 1)
                            + ")");
                }
                chosen.add(i);
            }
        }
        all.removeAll(chosen);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("--pin " + cpus + ": leaves no CPU for the model and the load");
        }
        return new Pinning(join(chosen), join(all));
    }

    private static String join(TreeSet<Integer> cpus) {
        List<String> s = new ArrayList<>();
        cpus.forEach(c -> s.add(Integer.toString(c)));
        return String.join(",", s);
    }

    /** The command prefix that runs a proxy under test on its CPUs. */
    List<String> proxyPrefix() {
        return List.of("taskset", "-c", proxies);
    }

    /** The command prefix that runs the simulated model on the other CPUs. */
    List<String> modelPrefix() {
        return List.of("taskset", "-c", others);
    }

    /** How many CPUs the proxies have (nginx gets one worker each). */
    int proxyCpus() {
        return proxies.split(",").length;
    }

    /** Moves every thread of this process (the load generator) to the other CPUs. */
    void pinThisProcess() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", others,
                Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("--pin: taskset failed: " + out);
        }
    }

    String describe() {
        return "sidecar and nginx on CPU " + proxies + ", model and load generator on CPU " + others;
    }
}
