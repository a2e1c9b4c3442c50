package dev.switchboard.server.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What the server knows of one client connection: when it opened, and since when it has been sending a request
 * that has not arrived whole (0 between requests). Read on any thread (the connection cap looks across
 * connections); written on the connection's event loop.
 */
final class Connection {
    static final AttributeKey<Connection> KEY = AttributeKey.valueOf("switchboard.connection");

    final long openedNanos;
    private volatile long receivingSinceNanos;

    Connection(long openedNanos) {
        this.openedNanos = openedNanos;
    }

    static Connection of(Channel ch) {
        return ch.attr(KEY).get();
    }

    /** The first byte of a request arrived (kept if one is already on its way). */
    void receiving(long nanos) {
        if (receivingSinceNanos == 0) {
            receivingSinceNanos = nanos;
        }
    }

    /** A whole request arrived. */
    void received() {
        receivingSinceNanos = 0;
    }

    long receivingSinceNanos() {
        return receivingSinceNanos;
    }

    /**
     * Whether it holds a slot without a whole request: sending one slowly, or connected and silent. Such a
     * connection is the first to be closed when the server is full.
     */
    boolean incomplete(Channel ch) {
        return !Boolean.TRUE.equals(ch.attr(ClientIdleHandler.ANSWERING).get());
    }
}
