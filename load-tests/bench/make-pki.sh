#!/usr/bin/env bash
# One benchmark PKI with openssl: an ECDSA P-256 CA, a P-256 server certificate for localhost and
# 127.0.0.1, a P-256 client and an RSA-2048 client (same CA). Keys are unencrypted PKCS#8.
# Usage: make-pki.sh DIR
set -euo pipefail
dir=${1:?usage: make-pki.sh DIR}
mkdir -p "$dir"
cd "$dir"

ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ec ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/C=US/O=Example/CN=Bench Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" -out ca.pem

cat > leaf.ext <<'EXT'
[server]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT

# issue NAME KEYFILE SUBJECT SECTION
issue() {
  openssl req -new -key "$2" -subj "$3" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
    -days 30 -sha256 -extfile leaf.ext -extensions "$4" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr"
}

ec server.key
issue server server.key "/C=US/O=Example/CN=localhost" server
ec client.key
issue client client.key "/C=US/O=Example/OU=devices/CN=bench-client" client
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-rsa.key 2>/dev/null
issue client-rsa client-rsa.key "/C=US/O=Example/OU=devices/CN=bench-client-rsa" client
# haproxy wants certificate and key in one file
cat server.pem server.key > server-combined.pem
openssl verify -CAfile ca.pem server.pem client.pem client-rsa.pem >/dev/null
