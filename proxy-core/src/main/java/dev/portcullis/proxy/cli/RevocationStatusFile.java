package dev.portcullis.proxy.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.RevocationStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a {@code revocationStatus} for {@code function test --revocation-status}, in the shape a
 * function sees it: {@code {chainValidity, certificates: {leaf: {method, status, errorType?,
 * serialNumber}, intermediates: [...]}}}. Strict: unknown members, wrong values and a chainValidity
 * that disagrees with the certificates are errors naming the field.
 */
final class RevocationStatusFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private RevocationStatusFile() {
    }

    static RevocationStatus read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected an object {chainValidity, certificates}");
        }
        members(file, "", root, Set.of("chainValidity", "certificates"));
        JsonNode certificates = root.path("certificates");
        if (!certificates.isObject()) {
            throw new IOException(file + ": certificates: expected an object {leaf, intermediates}");
        }
        members(file, "certificates.", certificates, Set.of("leaf", "intermediates"));
        CertificateRevocation leaf = null;
        if (!certificates.path("leaf").isMissingNode() && !certificates.path("leaf").isNull()) {
            leaf = entry(file, "certificates.leaf", certificates.get("leaf"));
        }
        List<CertificateRevocation> entries = new ArrayList<>();
        JsonNode intermediates = certificates.path("intermediates");
        if (!intermediates.isMissingNode()) {
            if (!intermediates.isArray()) {
                throw new IOException(file + ": certificates.intermediates: expected a list");
            }
            for (int i = 0; i < intermediates.size(); i++) {
                entries.add(entry(file, "certificates.intermediates[" + i + "]", intermediates.get(i)));
            }
        }
        RevocationStatus status = new RevocationStatus(leaf, entries);
        JsonNode validity = root.path("chainValidity");
        if (!validity.isMissingNode() && !validity.asText().equals(status.chainValidity().name())) {
            throw new IOException(file + ": chainValidity '" + validity.asText() + "' disagrees with the certificates, which"
                    + " make it " + status.chainValidity() + " (Invalid if any is Revoked, else Unknown if any is Unknown"
                    + " or Error, else Valid)");
        }
        return status;
    }

    private static CertificateRevocation entry(Path file, String where, JsonNode node) throws IOException {
        if (!node.isObject()) {
            throw new IOException(file + ": " + where + ": expected an object {method, status, errorType?, serialNumber}");
        }
        members(file, where + ".", node, Set.of("method", "status", "errorType", "serialNumber"));
        CertificateRevocation.Method method = choice(file, where + ".method", node.path("method"), CertificateRevocation.Method.class);
        CertificateRevocation.Status status = choice(file, where + ".status", node.path("status"), CertificateRevocation.Status.class);
        String serial = node.path("serialNumber").asText("");
        if (!serial.matches("[0-9a-f]{2}(:[0-9a-f]{2})*")) {
            throw new IOException(file + ": " + where + ".serialNumber: expected colon-separated lowercase hex such as 0a:1b:2c");
        }
        String errorType = node.hasNonNull("errorType") ? node.get("errorType").asText() : null;
        if (status == CertificateRevocation.Status.Good || status == CertificateRevocation.Status.Revoked) {
            if (errorType != null) {
                throw new IOException(file + ": " + where + ".errorType: only an Unknown or Error status has one");
            }
            return new CertificateRevocation(method, status, null, serial, "");
        }
        if (errorType == null) {
            throw new IOException(file + ": " + where + ".errorType: an " + status + " status needs one (Timeout, Unreachable,"
                    + " ResponderError, InvalidResponse, CertUnknown, CrlExpired, NoCrl, InvalidCrl, ...)");
        }
        return CertificateRevocation.undetermined(method, status, errorType, serial, "");
    }

    private static <E extends Enum<E>> E choice(Path file, String where, JsonNode node, Class<E> type) throws IOException {
        for (E value : type.getEnumConstants()) {
            if (value.name().equals(node.asText())) {
                return value;
            }
        }
        List<String> names = new ArrayList<>();
        for (E value : type.getEnumConstants()) {
            names.add(value.name());
        }
        throw new IOException(file + ": " + where + ": '" + node.asText() + "' is not one of " + String.join(", ", names));
    }

    private static void members(Path file, String prefix, JsonNode node, Set<String> known) throws IOException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IOException(file + ": " + prefix + name + ": unknown member (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }
}
