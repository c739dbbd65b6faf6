package dev.portcullis.truststore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * OpenSSL's names for object identifiers, so DN attribute types print exactly as
 * {@code openssl x509 -nameopt RFC2253} prints them. The table is generated from OpenSSL 3.0's
 * {@code obj_mac.h} (see the resource's header); OIDs OpenSSL does not know print dotted.
 */
final class OpensslObjectNames {
    private static final String RESOURCE = "openssl-object-names.txt";
    private static final Map<String, String> NAMES = load();

    private OpensslObjectNames() {
    }

    /** OpenSSL's short name for {@code dottedOid}, or {@code null} when OpenSSL does not know it. */
    static String shortName(String dottedOid) {
        return NAMES.get(dottedOid);
    }

    private static Map<String, String> load() {
        Map<String, String> names = new HashMap<>(2048);
        try (InputStream in = OpensslObjectNames.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                names.putIfAbsent(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return Map.copyOf(names);
    }
}
