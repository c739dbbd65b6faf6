package dev.portcullis.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A cache behavior's {@code functionAssociations}: the CloudFront Functions (from {@code functions})
 * it runs on the viewer's request and on the response, at most one per event type.
 */
public record FunctionAssociations(Optional<String> viewerRequest, Optional<String> viewerResponse) {
    public static final FunctionAssociations NONE = new FunctionAssociations(Optional.empty(), Optional.empty());

    public FunctionAssociations {
        Objects.requireNonNull(viewerRequest, "viewerRequest");
        Objects.requireNonNull(viewerResponse, "viewerResponse");
    }

    public boolean isEmpty() {
        return viewerRequest.isEmpty() && viewerResponse.isEmpty();
    }
}
