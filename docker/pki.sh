#!/bin/sh
# The pki service of docker/compose.yaml: the blog's PKI with `portcullis pki`, into /pki (a volume the
# edge and the client mount). Clients: client (valid), revoked-client (its serial in the
# revoked-serials KeyValueStore the edge imports) and untrusted (from a CA the trust store does not
# hold); the edge's own certificate for the names edge and localhost. Idempotent: a second run keeps
# what the first made.
set -eu
d=${PKI_DIR:-/pki}
if [ -f "$d/ready" ]; then echo "pki: $d is ready"; exit 0; fi
portcullis pki init --dir "$d"
portcullis pki issue --dir "$d" --name edge --server --san DNS:edge,DNS:localhost,IP:127.0.0.1
portcullis pki issue --dir "$d" --name client
portcullis pki issue --dir "$d" --name revoked-client
portcullis pki init --dir "$d/elsewhere"
portcullis pki issue --dir "$d/elsewhere" --name untrusted
cp "$d/elsewhere/untrusted-chain.pem" "$d/untrusted-chain.pem"
cp "$d/elsewhere/untrusted.key" "$d/untrusted.key"
serial=$(portcullis pki list --dir "$d" | awk '$1 == "revoked-client" {print $2}')
[ -n "$serial" ] || { echo "pki: no serial for revoked-client" >&2; exit 1; }
printf '{"data":[{"key":"%s","value":"revoked by the pki service"}]}\n' "$serial" > "$d/revoked-serials.json"
touch "$d/ready"
echo "pki: ready in $d (revoked-client serial $serial)"
