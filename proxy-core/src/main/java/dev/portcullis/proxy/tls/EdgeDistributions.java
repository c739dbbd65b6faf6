package dev.portcullis.proxy.tls;

import java.util.List;
import dev.portcullis.config.DomainNameIndex;

/**
 * All distributions of the listener: which one a ClientHello's SNI selects (the first distribution
 * takes unknown or absent SNI, as the config documents), and which one owns a request's Host.
 */
public final class EdgeDistributions {
    private final List<EdgeDistribution> distributions;
    private final DomainNameIndex<EdgeDistribution> owners;

    public EdgeDistributions(List<EdgeDistribution> distributions) {
        if (distributions.isEmpty()) {
            throw new IllegalArgumentException("at least one distribution is required");
        }
        this.distributions = List.copyOf(distributions);
        this.owners = DomainNameIndex.of(this.distributions, d -> d.config().domainNames());
    }

    public List<EdgeDistribution> all() {
        return distributions;
    }

    /** The distribution with {@code id}, or null (a re-check looks up its connection's distribution here). */
    public EdgeDistribution byId(String id) {
        for (EdgeDistribution d : distributions) {
            if (d.id().equals(id)) {
                return d;
            }
        }
        return null;
    }

    public EdgeDistribution defaultDistribution() {
        return distributions.get(0);
    }

    public EdgeDistribution forSni(String serverName) {
        if (serverName != null) {
            EdgeDistribution owner = ownerOf(serverName);
            if (owner != null) {
                return owner;
            }
        }
        return defaultDistribution();
    }

    /**
     * The distribution whose domainNames include {@code host} (port stripped), or null. An exact
     * name wins over a wildcard wherever either is listed, as in the config's own SNI rule.
     */
    public EdgeDistribution ownerOf(String host) {
        return owners.owner(host);
    }

    /**
     * Whether a request for {@code host} may be served on a connection whose SNI chose
     * {@code connection}. A client must never pass one distribution's mTLS check and reach
     * another's origin, so a host owned by another distribution is misdirected (421), and a host
     * nobody owns is only served by the default distribution.
     */
    public boolean mayServe(EdgeDistribution connection, String host) {
        EdgeDistribution owner = ownerOf(host);
        return owner == null ? connection == defaultDistribution() : owner == connection;
    }
}
