package dev.switchboard.core.config;

import java.nio.file.Path;

/**
 * Where decisions are recorded.
 *
 * @param path         the JSON-lines file; null disables the audit log
 * @param maxFileBytes a file is rotated when it would grow past this, and at the start of each day
 * @param keepFiles    rotated files kept
 */
public record AuditSpec(Path path, long maxFileBytes, int keepFiles) {
    public static final AuditSpec DISABLED = new AuditSpec(null, 64L << 20, 10);

    public boolean enabled() {
        return path != null;
    }
}
