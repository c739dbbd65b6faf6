// Scenario 11: a viewer-request function on every request, reading a certificate header as a per-path
// policy would, and forwarding the request (compare.sh).
function handler(event) {
  const subject = event.request.headers['cloudfront-viewer-cert-subject'];
  if (!subject || subject.value.indexOf('CN=') < 0) {
    return {statusCode: 403, body: 'no subject'};
  }
  return event.request;
}
