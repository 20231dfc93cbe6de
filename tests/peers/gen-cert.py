#!/usr/bin/env python3
"""Writes a stand-in server's self-signed certificate and key (test use
only): one ECDSA P-256 certificate for every host name its clients talk to
(the first is its common name), also its own trust anchor (the clients trust
it through REQUESTS_CA_BUNDLE, SSL_CERT_FILE or an SSL context's cafile).
Valid 2024-01-01 to 2050-01-01 whatever the clock says when it is made.

  gen-cert.py FOLDER HOST...   (writes FOLDER/cert.pem and key.pem; needs
                                python3-cryptography)

Used by micloud/, mijia/ and hacloud/ (their make-captures.sh name the hosts).
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if len(sys.argv) < 3:
    sys.exit(__doc__)
folder, names = sys.argv[1], sys.argv[2:]

key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "miio-dissector test")])
cert = (x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2024, 1, 1))
        .not_valid_after(datetime.datetime(2050, 1, 1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
with open(os.path.join(folder, "key.pem"), "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
with open(os.path.join(folder, "cert.pem"), "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
print("wrote %s/cert.pem and key.pem" % folder)
