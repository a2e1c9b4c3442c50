package dev.switchboard.core.internal.audit;

import dev.switchboard.core.CallRecord;
import dev.switchboard.core.config.AuditSpec;
import java.time.Clock;

/** Where every decision and its outcome is recorded. */
public interface AuditLog extends AutoCloseable {
    /** Records a call; never blocks on I/O. */
    void append(CallRecord record);

    /** Writes out everything appended so far and stops. */
    @Override
    void close();

    AuditLog NONE = new AuditLog() {
        @Override
        public void append(CallRecord record) {
        }

        @Override
        public void close() {
        }
    };

    static AuditLog open(AuditSpec spec, Clock clock) {
        return spec.enabled() ? new JsonlAuditLog(spec, clock) : NONE;
    }
}
