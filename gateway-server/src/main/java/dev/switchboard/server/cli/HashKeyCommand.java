package dev.switchboard.server.cli;

import dev.switchboard.server.http.ClientAuth;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints the SHA-256 of a client key for {@code server.auth.keys}; with no key, makes a new one. */
@Command(name = "hash-key", mixinStandardHelpOptions = true,
        description = "Print the hash of a client API key for the config (no key: generate a new one).")
final class HashKeyCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", description = "The key; omit it to generate one.")
    String key;

    @Override
    public Integer call() {
        if (key == null) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            key = "sb-" + HexFormat.of().formatHex(random);
            System.out.println("key:    " + key + "   (give it to the client; it is not stored anywhere)");
        }
        System.out.println("sha256: " + ClientAuth.hash(key));
        return 0;
    }
}
