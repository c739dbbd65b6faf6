package dev.portcullis.proxy.http;

import dev.portcullis.proxy.tls.ConnectionState;

/**
 * One finished request/response exchange, for the access log and metrics.
 *
 * @param status         the status sent to the viewer (0 when the exchange was aborted before a response)
 * @param requestBytes   request body bytes received from the viewer
 * @param responseBytes  response body bytes sent to the viewer
 * @param timeTakenNanos from the request head to the last response byte (or the abort)
 * @param firstByteNanos from the request head to the response head, -1 if there was none
 * @param originId       the origin the request was routed to, null if it never was
 * @param originNanos    from sending the request to the origin's response head, -1 if none
 * @param resultType     the x-edge-result-type a viewer function decided (FunctionGeneratedResponse,
 *                       FunctionExecutionError), or null: then Miss when the origin answered, else Error
 */
public record ExchangeRecord(
        ConnectionState connection,
        String requestId,
        long startMillis,
        String method,
        String host,
        String uri,
        String protocolVersion,
        int status,
        long requestBytes,
        long responseBytes,
        long timeTakenNanos,
        long firstByteNanos,
        String originId,
        long originNanos,
        String resultType) {
}
