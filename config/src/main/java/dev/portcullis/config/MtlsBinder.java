package dev.portcullis.config;

import java.util.Optional;

/**
 * A distribution's {@code viewerMtlsConfig}. The rule that matters: {@code required} and {@code optional}
 * must name a trust store and {@code passthrough} must not. Leaving a key out never weakens checking.
 */
final class MtlsBinder {
    private MtlsBinder() {
    }

    static Optional<ViewerMtlsConfig> bind(Node node, Names trustStoreIds) {
        int mark = node.problems().mark();
        Optional<Mapping> section = node.requiredMapping("mode", "trustStoreConfig", "reevaluateEstablishedConnections",
                "sessionResumption");
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Mapping m = section.get();
        Node modeNode = m.get("mode");
        Optional<MtlsMode> parsed = Choices.parse(modeNode, MtlsMode.class, "mode");
        MtlsMode mode = parsed.orElse(MtlsMode.REQUIRED);
        Node storeNode = m.get("trustStoreConfig");
        Optional<TrustStoreAssociation> association = storeNode.mapping(
                "trustStoreId", "advertiseTrustStoreCaNames", "ignoreCertificateExpiry").flatMap(t -> {
                    Optional<String> id = Names.reference(t.get("trustStoreId"), trustStoreIds, "trust store");
                    boolean advertise = t.get("advertiseTrustStoreCaNames").bool().orElse(false);
                    boolean ignoreExpiry = t.get("ignoreCertificateExpiry").bool().orElse(false);
                    return id.map(i -> new TrustStoreAssociation(i, advertise, ignoreExpiry));
                });
        boolean modeKnown = parsed.isPresent() || !modeNode.present();
        if (modeKnown && mode.checksTrustStore() && !storeNode.present()) {
            storeNode.problem("is required in mode '" + mode.yamlName() + "': without a trust store no client"
                    + " certificate can be verified, and a configuration mistake must never turn mTLS off"
                    + " (mode 'passthrough' is the explicit way to forward certificates unchecked)");
        }
        if (modeKnown && !mode.checksTrustStore() && storeNode.present()) {
            storeNode.problem("must not be set in mode 'passthrough', which checks no certificate against a"
                    + " trust store; remove it, or use mode 'required' or 'optional' to verify certificates");
        }
        boolean reevaluate = m.get("reevaluateEstablishedConnections").bool().orElse(true);
        boolean resumption = m.get("sessionResumption").bool().orElse(false);
        if (node.problems().since(mark)) {
            return Optional.empty();
        }
        return Optional.of(new ViewerMtlsConfig(mode, association, reevaluate, resumption));
    }
}
