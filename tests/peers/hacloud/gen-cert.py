#!/usr/bin/env python3
"""Writes the stand-in servers' self-signed certificate and key (test use
only) into this folder: one ECDSA P-256 certificate for every host name the
Xiaomi Home integration talks to (<region>.ha.api.io.mi.com and
ha.api.io.mi.com, open.account.xiaomi.com, account.xiaomi.com, and the MQTT
broker <region>-ha.mqtt.io.mi.com), also its own trust anchor: the client
process trusts it through SSL_CERT_FILE (the default verify paths that
aiohttp's and paho's SSL contexts load). Valid 2024-01-01 to 2050-01-01
whatever the clock says when it is made.

  gen-cert.py   (writes cert.pem and key.pem; needs python3-cryptography)
"""
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["ha.api.io.mi.com", "*.ha.api.io.mi.com", "open.account.xiaomi.com", "account.xiaomi.com",
         "ha.mqtt.io.mi.com", "*.mqtt.io.mi.com"]

key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ha.api.io.mi.com"),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "miio-dissector test")])
cert = (x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2024, 1, 1))
        .not_valid_after(datetime.datetime(2050, 1, 1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in NAMES]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256()))
with open(os.path.join(HERE, "key.pem"), "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
with open(os.path.join(HERE, "cert.pem"), "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
print("wrote %s/cert.pem and key.pem" % HERE)
