package dev.portcullis.proxy.tls;

import dev.portcullis.config.TrustStoreAssociation;
import dev.portcullis.revocation.RevocationChecker;
import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.TrustStore;
import java.util.HashMap;
import java.util.Map;

/**
 * One generation's trust stores, their revocation checks and their verifiers: one verifier (with its
 * validation cache) per trust store and expiry setting, shared by every distribution that uses it,
 * so a client that reconnects through another distribution on the same store hits the same cache.
 * Built on one thread while the generation is prepared, then only read.
 */
final class TrustStoreVerifiers {
    private final Map<String, TrustStore> stores;
    private final Map<String, RevocationChecker> revocation;
    private final Map<String, ClientCertVerifier> verifiers = new HashMap<>();

    TrustStoreVerifiers(Map<String, TrustStore> stores, Map<String, RevocationChecker> revocation) {
        this.stores = Map.copyOf(stores);
        this.revocation = Map.copyOf(revocation);
    }

    TrustStore store(String id) {
        return stores.get(id);
    }

    /** The store's revocation checks; null when the store (or its CRLs) failed to load. */
    RevocationChecker revocation(String id) {
        return revocation.get(id);
    }

    Map<String, RevocationChecker> allRevocation() {
        return revocation;
    }

    /** The shared verifier for the association's store, or null when the store does not exist. */
    ClientCertVerifier verifierFor(TrustStoreAssociation association) {
        TrustStore store = stores.get(association.trustStoreId());
        if (store == null || !revocation.containsKey(association.trustStoreId())) {
            return null;
        }
        return verifiers.computeIfAbsent(association.trustStoreId() + '\0' + association.ignoreCertificateExpiry(),
                k -> new ClientCertVerifier(store, association.ignoreCertificateExpiry()));
    }
}
