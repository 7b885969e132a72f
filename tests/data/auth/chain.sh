#!/bin/sh
# Regenerate the certificate-path test PKI (see README.md, "Certificate
# paths"). Run from this directory with OpenSSL 3: `sh chain.sh`.
# Keys: `issuer.key.pem` (new) for the issuers that may not issue and the
# intermediate CA; every leaf holds the client's key (`client.key.pem`),
# so tests sign requests with it.
set -eu
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
[ -f issuer.key.pem ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out issuer.key.pem
cat >"$T/ext.cnf" <<'CNF'
[ca]
default_ca=d
[d]
database=$ENV::T/index.txt
serial=$ENV::T/serial
new_certs_dir=$ENV::T
default_md=sha256
policy=any
unique_subject=no
preserve=yes
email_in_dn=no
copy_extensions=none
[any]
commonName=optional
organizationName=optional
[req]
distinguished_name=dn
[dn]
[none]
[pinned]
subjectKeyIdentifier=hash
[cafalse]
basicConstraints=critical,CA:FALSE
subjectKeyIdentifier=hash
[nokcs]
basicConstraints=critical,CA:TRUE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
[capl0]
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[canc]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
nameConstraints=critical,permitted;DNS:example.com
subjectKeyIdentifier=hash
[int]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leafcrit]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
1.3.6.1.4.1.55555.1=critical,ASN1:NULL
[cacrit]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
1.3.6.1.4.1.55555.2=critical,ASN1:NULL
[leafnoaki]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
CNF
export T
# issue NAME SUBJECT KEY SECTION SERIAL SIGNER-CERT|self SIGNER-KEY [MD]
issue() {
    : >"$T/index.txt"
    printf '%s\n' "$5" >"$T/serial"
    openssl req -new -key "$3" -subj "$2" -config "$T/ext.cnf" -out "$T/$1.csr"
    if [ "$6" = self ]; then signer=-selfsign; else signer="-cert $6"; fi
    if [ "$4" = none ]; then ext=""; else ext="-extensions $4"; fi
    openssl ca -batch -config "$T/ext.cnf" -in "$T/$1.csr" -keyfile "$7" $signer $ext \
        -md "${8:-sha256}" -preserveDN -notext -startdate 20250101000000Z -enddate 20350101000000Z \
        -out "$1.cert.pem" 2>"$T/log" || { cat "$T/log"; exit 1; }
}
C=client.key.pem
I=issuer.key.pem
# A pinned leaf (no basicConstraints) and a certificate it "issued" naming
# the local account `admin`: the account takeover of issue 17 item 1.
issue pinned "/O=wstrust tests/CN=pinned.example" $I pinned 1001 self $I
issue minted "/CN=admin" $C leaf 1002 pinned.cert.pem $I
# An X.509 v1 issuer (no extensions at all) and its leaf.
issue v1 "/O=wstrust tests/CN=v1 issuer" $I none 1003 self $I
issue v1leaf "/O=wstrust tests/CN=v1leaf.example" $C leafnoaki 1004 v1.cert.pem $I
# basicConstraints cA=FALSE, and its leaf.
issue cafalse "/O=wstrust tests/CN=cafalse issuer" $I cafalse 1005 self $I
issue cafalseleaf "/O=wstrust tests/CN=cafalseleaf.example" $C leaf 1006 cafalse.cert.pem $I
# cA=TRUE but keyUsage without keyCertSign, and its leaf.
issue nokcs "/O=wstrust tests/CN=nokcs issuer" $I nokcs 1007 self $I
issue nokcsleaf "/O=wstrust tests/CN=nokcsleaf.example" $C leaf 1008 nokcs.cert.pem $I
# The client CA re-issued (same name and key) with pathlen:0, and with name
# constraints.
issue ca-pl0 "/O=wstrust tests/CN=Test Client CA" ca.key.pem capl0 1009 self ca.key.pem
issue ca-nc "/O=wstrust tests/CN=Test Client CA" ca.key.pem canc 1010 self ca.key.pem
# An intermediate CA under the client CA, and its leaf.
issue int "/O=wstrust tests/CN=Test Intermediate CA" $I int 1011 ca.cert.pem ca.key.pem
issue intleaf "/O=wstrust tests/CN=intleaf.example" $C leaf 1012 int.cert.pem $I
# A client certificate signed by the CA with SHA-1.
issue sha1 "/O=wstrust tests/CN=sha1.example" $C leaf 1013 ca.cert.pem ca.key.pem sha1
# An unknown critical extension (RFC 5280: refuse what you cannot process)
# on a leaf the client CA issued, and on the client CA re-issued.
issue critleaf "/O=wstrust tests/CN=critleaf.example" $C leafcrit 1014 ca.cert.pem ca.key.pem
issue ca-crit "/O=wstrust tests/CN=Test Client CA" ca.key.pem cacrit 1015 self ca.key.pem
