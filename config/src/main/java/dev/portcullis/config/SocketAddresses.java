package dev.portcullis.config;

import java.net.InetSocketAddress;

/** {@code host:port} and {@code [ipv6]:port}, as the server section writes addresses. */
public final class SocketAddresses {
    private SocketAddresses() {
    }

    /**
     * @param minPort 0 where an ephemeral port makes sense, else 1
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static InetSocketAddress parse(String text, int minPort) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "' is not host:port");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException("'" + text + "': put an IPv6 address in brackets, as in [::1]:8443");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host (use 0.0.0.0 for all interfaces)");
        }
        int number = port(text, port, minPort);
        InetSocketAddress address = new InetSocketAddress(host, number);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "'");
        }
        return address;
    }

    private static int port(String text, String port, int minPort) {
        int number;
        try {
            number = port.chars().allMatch(Character::isDigit) && !port.isEmpty() ? Integer.parseInt(port) : -1;
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < minPort || number > 65535) {
            throw new IllegalArgumentException("'" + text + "': port must be a number from " + minPort + " to 65535");
        }
        return number;
    }
}
