#!/bin/sh
# SPDX-License-Identifier: MIT
# Generate the certificates the TLS tests use, at test time, with the
# openssl command line tool:
#
#   root.pem        test root CA                   root.tlsa   "2 0 1 <hex>" of it
#   inter.pem       intermediate CA (signed by the root)
#   valid.pem       mx1.example.test, signed by the root
#                                                  valid.tlsa  "3 1 1 <hex>" of it
#   valid-full.pem  valid.pem followed by root.pem (for DANE-TA tests)
#   valid.ocsp      a DER OCSP response saying valid.pem is good (for stapling)
#   expired.pem     like valid.pem, but its validity ended in 2021
#   wrongname.pem   signed by the root, only DNS:other.example.test
#   selfsigned.pem  self-signed, mx1.example.test
#   chain.pem       mx1.example.test signed by the intermediate
#   chain-full.pem  chain.pem followed by inter.pem
#   client-ca.pem   CA for client certificates
#   client.pem      client.example.test, signed by client-ca.pem
#
# Each NAME.pem has its key in NAME.key. The server names carry the SANs
# DNS:mx1.example.test, DNS:localhost, IP:127.0.0.1, IP:::1.
#
# Usage: mkcerts.sh DIR. Prints nothing on success.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
log=mkcerts.log
: >"$log"

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "mkcerts.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

sans="DNS:mx1.example.test,DNS:localhost,IP:127.0.0.1,IP:::1"

# A private configuration, so the system openssl.cnf cannot change the result.
cat >req.cnf <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[inter_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $sans
[wrong_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:other.example.test
[self_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = $sans
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# "openssl ca" is the one 3.0 tool that can set a validity in the past.
cat >ca.cnf <<CNF
[ca]
default_ca = testca
[testca]
database = ca.index
new_certs_dir = .
serial = ca.serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
CNF
: >ca.index
echo 1000 >ca.serial

eckey() {
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

rsakey() {
	run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
}

serial() {
	# Positive and of a fixed length, so every tool prints it the same way.
	echo "0x5$(openssl rand -hex 7)"
}

# ca NAME SUBJECT: a self-signed CA certificate.
ca() {
	eckey "$1"
	run openssl req -config req.cnf -new -x509 -key "$1.key" -subj "$2" -days 3650 \
		-extensions ca_ext -set_serial "$(serial)" -out "$1.pem"
}

# sign NAME SUBJECT ISSUER EXTENSIONS: a certificate signed by ISSUER.
sign() {
	run openssl req -config req.cnf -new -key "$1.key" -subj "$2" -out "$1.csr"
	run openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -days 365 \
		-set_serial "$(serial)" -extfile req.cnf -extensions "$4" -out "$1.pem"
	rm -f "$1.csr"
}

# hexdigest: SHA-256 of stdin in lower-case hex.
hexdigest() {
	openssl dgst -sha256 -r | cut -d' ' -f1
}

ca root "/O=smtpsh tests/CN=smtpsh test root CA"
ca client-ca "/O=smtpsh tests/CN=smtpsh test client CA"

eckey inter
sign inter "/O=smtpsh tests/CN=smtpsh test intermediate CA" root inter_ext

rsakey valid
sign valid "/O=smtpsh tests/CN=mx1.example.test" root leaf_ext
cat valid.pem root.pem >valid-full.pem

eckey wrongname
sign wrongname "/O=smtpsh tests/CN=other.example.test" root wrong_ext

eckey chain
sign chain "/O=smtpsh tests/CN=mx1.example.test" inter leaf_ext
cat chain.pem inter.pem >chain-full.pem

eckey client
sign client "/O=smtpsh tests/CN=client.example.test" client-ca client_ext

eckey selfsigned
run openssl req -config req.cnf -new -x509 -key selfsigned.key \
	-subj "/O=smtpsh tests/CN=mx1.example.test" -days 365 -extensions self_ext \
	-set_serial "$(serial)" -out selfsigned.pem

eckey expired
run openssl req -config req.cnf -new -key expired.key -subj "/O=smtpsh tests/CN=mx1.example.test" \
	-out expired.csr
run openssl ca -config ca.cnf -batch -notext -cert root.pem -keyfile root.key -in expired.csr \
	-startdate 200101000000Z -enddate 210101000000Z -extfile req.cnf -extensions leaf_ext \
	-out expired.pem
rm -f expired.csr ./*.pem.old ca.index* ca.serial* 1000.pem

# TLSA data (RFC 6698): 3 1 1 = SHA-256 of the leaf's SubjectPublicKeyInfo,
# 2 0 1 = SHA-256 of the whole root certificate.
spki=$(openssl x509 -in valid.pem -noout -pubkey | openssl pkey -pubin -outform DER | hexdigest)
full=$(openssl x509 -in root.pem -outform DER | hexdigest)
if [ ${#spki} -ne 64 ] || [ ${#full} -ne 64 ]; then
	echo "mkcerts.sh: could not compute the TLSA digests" >&2
	exit 1
fi
echo "3 1 1 $spki" >valid.tlsa
echo "2 0 1 $full" >root.tlsa

# An OCSP response for valid.pem, signed by the root, for stapling.
vserial=$(openssl x509 -in valid.pem -noout -serial | cut -d= -f2)
printf 'V\t491231235959Z\t\t%s\tunknown\t/CN=mx1.example.test\n' "$vserial" >ocsp.index
run openssl ocsp -issuer root.pem -cert valid.pem -no_nonce -reqout ocsp.req
run openssl ocsp -index ocsp.index -rsigner root.pem -rkey root.key -CA root.pem \
	-reqin ocsp.req -ndays 7 -respout valid.ocsp
rm -f ocsp.req ocsp.index* ca.cnf req.cnf

rm -f "$log"
