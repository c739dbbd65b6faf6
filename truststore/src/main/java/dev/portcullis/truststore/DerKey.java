package dev.portcullis.truststore;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * A map key made of the exact DER bytes of one or more certificates (length-prefixed, so two
 * different chains can never concatenate to the same key).
 */
final class DerKey {
    private final byte[] bytes;
    private final int hash;

    private DerKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    static DerKey of(X509Certificate... certificates) throws CertificateEncodingException {
        byte[][] ders = new byte[certificates.length][];
        int length = 0;
        for (int i = 0; i < certificates.length; i++) {
            ders[i] = certificates[i].getEncoded();
            length += 4 + ders[i].length;
        }
        byte[] bytes = new byte[length];
        int offset = 0;
        for (byte[] der : ders) {
            bytes[offset++] = (byte) (der.length >>> 24);
            bytes[offset++] = (byte) (der.length >>> 16);
            bytes[offset++] = (byte) (der.length >>> 8);
            bytes[offset++] = (byte) der.length;
            System.arraycopy(der, 0, bytes, offset, der.length);
            offset += der.length;
        }
        return new DerKey(bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DerKey key && key.hash == hash && Arrays.equals(key.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
