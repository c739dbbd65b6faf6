package dev.portcullis.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.fleet.EtcdFleet;
import dev.portcullis.fleet.FleetStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /fleet/status}: this node's revision, whether it reaches etcd, its last error, and what
 * every node last reported there. While etcd is unreachable the node's own part is still answered
 * (that is when an operator needs it), with {@code NodesError} saying why the rest is missing.
 */
final class FleetStatusAnswer {
    private FleetStatusAnswer() {
    }

    static CompletableFuture<Map<String, Object>> of(EtcdFleet fleet) {
        FleetStatus self = fleet.status();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("NodeName", self.nodeName());
        body.put("Revision", self.revision());
        body.put("Connected", self.connected());
        body.put("LastError", self.lastError());
        body.put("LastErrorAt", self.lastErrorAt() == null ? null : self.lastErrorAt().toString());
        body.put("Push", self.push());
        return fleet.nodes().handle((nodes, error) -> {
            if (error != null) {
                body.put("Nodes", null);
                body.put("NodesError", "cannot read fleet/status/ from etcd: " + rootMessage(error));
            } else {
                Map<String, JsonNode> reported = new LinkedHashMap<>(nodes);
                body.put("Nodes", reported);
            }
            return body;
        });
    }

    private static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof java.util.concurrent.TimeoutException ? "no answer in time" : String.valueOf(t.getMessage());
    }
}
