package dev.switchboard.server.http;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;

/**
 * Which of Netty's transports the sidecar's sockets use. Epoll (Linux, native) makes fewer system calls and
 * allocates less per read than the JDK's NIO selector, and a gateway is all socket work; NIO is the fallback where
 * the native library does not load (other systems, a {@code /tmp} mounted {@code noexec}), or when {@code serve
 * --transport nio} or the system property {@code switchboard.transport=nio} asks for it. Client-side and upstream connections of one event loop must use
 * the same transport as the loop, so code that opens connections asks {@link #of(EventLoopGroup)}.
 */
public enum Transport {
    EPOLL, NIO;

    /**
     * {@code auto} (epoll where it loads, else NIO), {@code epoll} (refused where it does not load, with the
     * reason) or {@code nio}.
     */
    public static Transport named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto", "" -> Epoll.isAvailable() ? EPOLL : NIO;
            case "nio" -> NIO;
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("epoll is not available here: " + Epoll.unavailabilityCause());
                }
                yield EPOLL;
            }
            default -> throw new IllegalArgumentException("expected auto, epoll or nio, got '" + name + "'");
        };
    }

    /**
     * {@code auto}, or what the system property {@code switchboard.transport} names.
     *
     * @throws IllegalArgumentException when the property names no transport, or epoll where it cannot load
     */
    public static Transport preferred() {
        return named(System.getProperty("switchboard.transport", "auto"));
    }

    /** The transport whose event loops {@code group} runs. */
    public static Transport of(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class) ? EPOLL : NIO;
    }

    /** A group of {@code threads} event loops ({@code 0}: {@link #defaultLoops()}). */
    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads == 0 ? defaultLoops() : threads, ioHandlerFactory());
    }

    /**
     * One event loop per core the process may use, as nginx runs one worker per core and Envoy one thread: nothing
     * on a loop blocks, so a second loop per core adds no work done, only a second thread that the first waits
     * behind for its time slice — late loops, shed requests and a longer tail on a sidecar pinned to one core
     * (BENCHMARKS.md §7). Netty's own default is twice the cores; {@code -Dio.netty.eventLoopThreads=N} still sets
     * it, and the cores are what Netty counts ({@code -Dio.netty.availableProcessors} included).
     */
    public static int defaultLoops() {
        int configured = Integer.getInteger("io.netty.eventLoopThreads", 0);
        return configured > 0 ? configured : Math.max(1, io.netty.util.NettyRuntime.availableProcessors());
    }

    IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** For the DNS resolver of upstream connections. */
    public Class<? extends DatagramChannel> datagramChannel() {
        return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
