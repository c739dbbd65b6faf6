package dev.portcullis.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Who owns a host name: the one rule for SNI routing and for the 421 check, precomputed once. An
 * exact name wins over a wildcard wherever either is listed, and {@code *.example.com} owns exactly
 * one label in front of {@code example.com}; case and a trailing dot are ignored. Two hash lookups
 * at most, instead of a pass over every distribution's names.
 */
public final class DomainNameIndex<T> {
    private final Map<String, T> exact = new HashMap<>();
    /** Keyed by the wildcard's suffix with its dot, {@code .example.com}. */
    private final Map<String, T> wildcards = new HashMap<>();

    private DomainNameIndex(List<T> owners, Function<T, List<String>> names) {
        for (T owner : owners) {
            for (String name : names.apply(owner)) {
                if (name.startsWith("*.")) {
                    wildcards.putIfAbsent(name.substring(1), owner);
                } else {
                    exact.putIfAbsent(name, owner);
                }
            }
        }
    }

    /** @param names each owner's (lower-case, validated) domain names, as {@link Distribution#domainNames()} */
    public static <T> DomainNameIndex<T> of(List<T> owners, Function<T, List<String>> names) {
        return new DomainNameIndex<>(owners, names);
    }

    /** The owner of {@code host} (no port), or null when nobody lists it. */
    public T owner(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        String canonical = DomainNames.canonical(host);
        T owner = exact.get(canonical);
        if (owner != null) {
            return owner;
        }
        int dot = canonical.indexOf('.');
        return dot > 0 ? wildcards.get(canonical.substring(dot)) : null;
    }
}
