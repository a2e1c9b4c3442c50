package dev.switchboard.server.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The admin console's files, served from the jar: one page, its ES modules and its style sheet — no CDN, no build
 * step. Read once, at start; only the names listed here are served.
 */
final class ConsoleAssets {
    private static final String ROOT = "/dev/switchboard/server/console/";
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/console/app.js", "app.js",
            "/console/charts.js", "charts.js",
            "/console/style.css", "style.css");

    private final Map<String, byte[]> bytes;

    ConsoleAssets() {
        java.util.HashMap<String, byte[]> read = new java.util.HashMap<>();
        for (String name : new java.util.HashSet<>(FILES.values())) {
            try (InputStream in = ConsoleAssets.class.getResourceAsStream(ROOT + name)) {
                if (in == null) {
                    throw new IllegalStateException("the console's " + name + " is missing from the jar");
                }
                read.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        this.bytes = Map.copyOf(read);
    }

    /** The file at {@code path}, or null when it is not one of the console's. */
    FullHttpResponse answer(String path) {
        String name = FILES.get(path);
        if (name == null) {
            return null;
        }
        byte[] body = bytes.get(name);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type(name)).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    private static String type(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return "text/css; charset=utf-8";
    }
}
