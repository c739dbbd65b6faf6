#!/bin/sh
# The client service of docker/compose.yaml: the blog's steps with curl against the edge. Exits 0 only
# when every step behaved as the blog says. EDGE (default edge:8443) is where the edge listens, by a
# name its certificate holds (edge or localhost).
set -u
edge=${EDGE:-edge:8443}
pki=${PKI_DIR:-/pki}
get() {  # get CLIENT: the HTTP status with that client's certificate (000: refused in the handshake)
  if [ "$1" = none ]; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/Root_CA.pem" "https://$edge/" || true
  else
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/Root_CA.pem" \
      --cert "$pki/$1-chain.pem" --key "$pki/$1.key" "https://$edge/" || true
  fi
}
# the edge may still be starting (compose without health conditions): up to 60 s for the first 200
i=0
while [ "$(get client)" != 200 ]; do
  i=$((i + 1))
  [ "$i" -le 120 ] || { echo "client: the edge at $edge never answered 200"; exit 1; }
  sleep 0.5
done
failed=0
step() {  # step WHAT CLIENT EXPECTED
  got=$(get "$2")
  if [ "$got" = "$3" ]; then echo "ok    $1: $got"; else echo "FAIL  $1: expected $3, got $got"; failed=1; fi
}
step "valid client certificate" client 200
step "no client certificate (refused in the handshake)" none 000
step "certificate from a CA the trust store does not hold" untrusted 000
step "revoked serial in the KeyValueStore (the connection function denies)" revoked-client 000
[ "$failed" = 0 ] && echo "client: every step behaved as the blog says" || echo "client: some steps did not"
exit "$failed"
