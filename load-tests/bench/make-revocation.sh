#!/usr/bin/env bash
# Revocation data for the benchmark PKI (make-pki.sh ran first in DIR): the bench CA run as an
# `openssl ca` (index.txt), a client certificate "client-rev" with an OCSP URL in its Authority
# Information Access, an index holding N revoked serials besides it, the CA's CRL of those N entries
# (`openssl ca -gencrl`, PEM), and the command line of a responder on that index.
# Usage: make-revocation.sh DIR RESPONDER_PORT N
set -euo pipefail
dir=${1:?usage: make-revocation.sh DIR RESPONDER_PORT N}
port=${2:?responder port}
n=${3:?number of revoked serials}
cd "$dir"
mkdir -p ca/newcerts
cat > ca/openssl.cnf <<CNF
[ ca ]
default_ca = bench
[ bench ]
dir = $dir/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional
[ client_rev ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$port/
CNF
echo "unique_subject = no" > ca/index.txt.attr
echo 01 > ca/crlnumber
# N revoked serials (hex, even length), then the client's own serial after them
python3 - "$n" > ca/index.txt <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    print(f"R\t271231000000Z\t260101000000Z,keyCompromise\t{0x10000000 + i:08X}\tunknown\t/CN=revoked-{i}")
PY
printf '%08X\n' $(( 0x10000000 + n )) > ca/serial
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client-rev.key 2>/dev/null
openssl req -new -key client-rev.key -subj "/C=US/O=Example/OU=devices/CN=bench-client-rev" -out client-rev.csr
openssl ca -batch -config ca/openssl.cnf -extensions client_rev -in client-rev.csr -out client-rev.pem -notext 2>/dev/null
rm -f client-rev.csr
openssl ca -gencrl -config ca/openssl.cnf -out crl.pem 2>/dev/null
openssl verify -CAfile ca.pem -crl_check -CRLfile crl.pem client-rev.pem >/dev/null
echo "openssl ocsp -index $dir/ca/index.txt -port $port -rsigner $dir/ca.pem -rkey $dir/ca.key -CA $dir/ca.pem -nmin 60" \
  > responder.cmd
