package dev.portcullis.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code distributions} list: each distribution, its origins and behaviors, and names across them. */
final class DistributionBinder {
    private final ResourceBinder resources;
    private final Names distributionIds = new Names("distribution id");
    /** Domain name to where it was first claimed: one name, one distribution. */
    private final Map<String, String> domainOwners = new HashMap<>();

    DistributionBinder(ResourceBinder resources) {
        this.resources = resources;
    }

    List<Distribution> bind(Node list) {
        List<Distribution> distributions = new ArrayList<>();
        for (Node item : list.requiredItems()) {
            bindOne(item).ifPresent(distributions::add);
        }
        return distributions;
    }

    private Optional<Distribution> bindOne(Node item) {
        int mark = item.problems().mark();
        Optional<Mapping> section = item.mapping("id", "domainNames", "viewerCertificate", "viewerMtlsConfig",
                "connectionFunctionAssociation", "origins", "defaultCacheBehavior", "cacheBehaviors",
                "originRequestPolicy", "connectionIdHeader");
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Mapping m = section.get();
        Optional<String> id = distributionIds.claim(m.get("id"));
        List<String> domainNames = domainNames(m.get("domainNames"));
        Optional<ViewerCertificate> certificate = m.get("viewerCertificate")
                .requiredMapping("certificate", "privateKey").flatMap(c -> {
                    Optional<Path> chain = c.get("certificate").requiredFile();
                    Optional<Path> key = c.get("privateKey").requiredFile();
                    return chain.flatMap(file -> key.map(keyFile -> new ViewerCertificate(file, keyFile)));
                });
        Optional<ViewerMtlsConfig> mtls = MtlsBinder.bind(m.get("viewerMtlsConfig"), resources.trustStoreIds);
        Optional<String> function = m.get("connectionFunctionAssociation").mapping("id").flatMap(f ->
                Names.reference(f.get("id"), resources.functionNames, "connection function"));
        Names originIds = new Names("origin id");
        List<Origin> origins = new ArrayList<>();
        m.get("origins").requiredItems().forEach(o -> OriginBinder.bind(o, originIds).ifPresent(origins::add));
        Optional<CacheBehavior> defaultBehavior = m.get("defaultCacheBehavior")
                .requiredMapping("targetOriginId", "functionAssociations").flatMap(b -> {
                    Optional<String> target = Names.reference(b.get("targetOriginId"), originIds, "origin");
                    Optional<FunctionAssociations> functions = BehaviorBinder.functionAssociations(
                            b.get("functionAssociations"), resources);
                    return target.flatMap(t -> functions.map(f -> new CacheBehavior(CacheBehavior.DEFAULT_PATH_PATTERN, t, f)));
                });
        List<CacheBehavior> behaviors = BehaviorBinder.bind(m.get("cacheBehaviors"), originIds, resources);
        MtlsMode mode = mtls.map(ViewerMtlsConfig::mode).orElse(MtlsMode.REQUIRED);
        OriginRequestPolicy policy = HeaderBinder.policy(m.get("originRequestPolicy"), mode);
        Optional<String> idHeader = HeaderBinder.connectionIdHeader(m.get("connectionIdHeader"));
        if (item.problems().since(mark)) {
            return Optional.empty();
        }
        return Optional.of(new Distribution(id.orElseThrow(), domainNames, certificate.orElseThrow(), mtls.orElseThrow(),
                function, origins, defaultBehavior.orElseThrow(), behaviors, policy, idHeader));
    }

    private List<String> domainNames(Node list) {
        List<String> names = new ArrayList<>();
        for (Node item : list.requiredItems()) {
            item.string().map(DomainNames::canonical).ifPresent(name -> {
                Optional<String> invalid = DomainNames.invalidReason(name);
                if (invalid.isPresent()) {
                    item.problem(invalid.get());
                    return;
                }
                String owner = domainOwners.putIfAbsent(name, item.keyPath());
                if (owner != null) {
                    item.problem("'" + name + "' is already claimed at " + owner + " (a name belongs to one distribution)");
                    return;
                }
                names.add(name);
            });
        }
        return names;
    }
}
