package dev.switchboard.server.cli;

import dev.switchboard.server.http.SwitchboardServer;
import java.time.Duration;
import sun.misc.Signal;

/**
 * SIGTERM (and Ctrl-C): stop accepting, let requests and streams in flight finish up to the grace period, write
 * out the audit log, and exit 0 — an orchestrator's rolling restart cuts nobody off and loses no record.
 */
final class GracefulShutdown {
    private GracefulShutdown() {
    }

    static void install(SwitchboardServer server, AutoCloseable gateway, Duration grace) {
        Runnable stop = () -> {
            System.out.println("switchboard: shutting down, draining for up to " + grace.toSeconds() + " s");
            int cut = server.drain(grace);
            server.close();
            try {
                gateway.close();
            } catch (Exception e) {
                System.err.println("switchboard: closing failed: " + e);
            }
            System.out.println("switchboard: stopped" + (cut > 0 ? " (" + cut + " requests cut at the deadline)" : ""));
        };
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> new Thread(() -> {
                stop.run();
                System.exit(0);
            }, "switchboard-shutdown").start());
        }
    }
}
