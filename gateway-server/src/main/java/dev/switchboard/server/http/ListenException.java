package dev.switchboard.server.http;

/** A port the server could not listen on, named with the setting that chose it. */
public final class ListenException extends RuntimeException {
    private final String address;
    private final String setting;

    ListenException(String address, String setting, Throwable cause) {
        super("cannot listen on " + address + " (" + setting + "): " + reason(cause), cause);
        this.address = address;
        this.setting = setting;
    }

    /** The same failure, named by the setting the user wrote (a command's flag rather than the config key). */
    public ListenException as(String userSetting) {
        return new ListenException(address, userSetting, getCause());
    }

    private static String reason(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if (cause instanceof java.net.BindException || m.contains("Address already in use")) {
            return "the address is already in use (another process listens there; pick another port)";
        }
        if (m.contains("Cannot assign requested address")) {
            return "no network interface of this machine has that address";
        }
        if (m.contains("Permission denied")) {
            return "permission denied (ports below 1024 need privileges)";
        }
        return m;
    }

    public String address() {
        return address;
    }

    public String setting() {
        return setting;
    }
}
