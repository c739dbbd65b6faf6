package dev.portcullis.proxy.tls;

import io.netty.buffer.ByteBuf;

/**
 * Whether a ClientHello offers TLS 1.3 (its {@code supported_versions} extension lists 0x0304). The node
 * serves TLS 1.2 and 1.3, so such a client gets 1.3. Session resumption is for 1.3 only: a TLS 1.2
 * ticket resumes without a fresh key exchange (no forward secrecy), and its ticket is sent inside the
 * handshake, before the version could be told from the engine; so tickets are turned off for a client
 * that does not offer 1.3.
 */
final class ClientHelloVersions {
    private static final int SUPPORTED_VERSIONS = 43;
    private static final int TLS_1_3 = 0x0304;

    private ClientHelloVersions() {
    }

    /** {@code body}: the ClientHello message after its handshake header, as the SNI handler gets it. Never moves indexes. */
    static boolean offersTls13(ByteBuf body) {
        try {
            int p = body.readerIndex() + 2 + 32; // legacy_version, random
            int end = body.writerIndex();
            p += 1 + body.getUnsignedByte(p); // session id
            p += 2 + body.getUnsignedShort(p); // cipher suites
            p += 1 + body.getUnsignedByte(p); // compression methods
            if (p + 2 > end) {
                return false;
            }
            int extensionsEnd = Math.min(end, p + 2 + body.getUnsignedShort(p));
            p += 2;
            while (p + 4 <= extensionsEnd) {
                int type = body.getUnsignedShort(p);
                int length = body.getUnsignedShort(p + 2);
                p += 4;
                if (type == SUPPORTED_VERSIONS && length >= 1) {
                    int listEnd = Math.min(p + 1 + body.getUnsignedByte(p), Math.min(p + length, extensionsEnd));
                    for (int v = p + 1; v + 2 <= listEnd; v += 2) {
                        if (body.getUnsignedShort(v) == TLS_1_3) {
                            return true;
                        }
                    }
                    return false;
                }
                p += length;
            }
            return false;
        } catch (IndexOutOfBoundsException e) {
            return false; // malformed: no tickets (BoringSSL refuses the hello anyway)
        }
    }
}
