#!/usr/bin/env python3
"""Builds tests/captures/real-*.pcapng and NAME.truth.jsonl from miIO frames that
were recorded from physical Xiaomi devices and published, with their tokens, in
public repositories (source repository, path, commit and licence of each set are
in tests/captures/README.md and in SOURCES below).

The frames are data: hex strings copied from those repositories (unit-test
fixtures, commented-out debug strings, two small pcapng traces). Each bare frame
is wrapped in Ethernet/IPv4/UDP here; addresses, ports and times come from the
source where it gives them, else 192.168.1.x addresses and times derived from
the frames' own stamps are used.

Every frame is checked before anything is written: data frames must carry
MD5(header[0..16] || token || ciphertext) and decrypt (AES-128-CBC, key MD5(token),
IV MD5(key || token), PKCS#7) to text; 32-byte frames are classified as hello,
hello reply (token / no token) or checksum-only frame. The truth files are
computed by this script, not by the dissector.

Needs python3 with scapy (>= 2.5, for PcapNgWriter) and cryptography:
    python3 -m venv /tmp/v && /tmp/v/bin/pip install scapy cryptography
    /tmp/v/bin/python tests/peers/make-real-captures.py [OUTDIR]
OUTDIR defaults to tests/captures next to this directory.
"""
import hashlib
import json
import os
import sys
from decimal import Decimal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import PcapNgWriter

EIP = [
    ("2131005000000000047bd1b55f53ee9bf0a2b109a80c902f0b55e5250e58f2cc95b21c4012d699586153e51f42d68c2c"
     "cdbb07b14326761acbe820ce8786ff4da71ff844841f7aee0c2b10c844b45245"),
    ("2131005000000000047bd1b5002feedece53f7b9e63ae50c3fc22fac87cc3ee7053510f79d4e36f4ff504d8da4391c46"
     "7b067c3d5a777aca3ed402f9009821176bc6bffeb40994d5e6889e48836d54a6"),
    ("2131009000000000047bd1b5002feede54a30263b7b2015db6bdc3e7d5bf6853b952275b1e1fd9ed283c5ad34120d698"
     "2ccee490f5774502ee2833ecf7c8c178c01cb9250ee22edc72296cb393a9815dcb4c69e968271a25004626ead4c7abdd"
     "0332ddbccc48749ff1ddfe765439a06f6084ebdcca2ae9caeb2e755daaa5f3161cee3147f75a0f6ba4a127f89eb75eaa"),
    ("2131006000000000047bd1b5002feee7106d8a634882f4bafc8b8a2681b8314eae1c63b7536cc3329f54668849a27889"
     "7790b94fe65f5effc0d332eb2f10e4e709ce88217b477bc9b56afaf48e9dd38e9c1f77ed444ae71e96c03a88a151a8c5"),
    ("2131004000000000047bd1b5002feee7e3697b20842094f6132854dcde69f3059115aa3c9b13ca32129ce4b02b2dbdd9"
     "ab107a52bde2821fd7a642ad47598527"),
    ("2131006000000000047bd1b5002feeecd526f789bd5f6309d54da10e150e583470dade107aea785a733025d970048d01"
     "8f50166b851b22edcfae5bb8e8994b3e1f7f6799d4667efef67ab371a4fbbe6b5e1fa2252a605da3e82b2e4693ca2c0f"),
    ("2131004000000000047bd1b5002feeec77c05d0bfa755624dc61d65b5a7de7fe9115aa3c9b13ca32129ce4b02b2dbdd9"
     "3c71b6cb99f0a2e9a12e2558124ba9d0"),
    ("2131008000000000047bd1b5002feeefc15580d0ce026d1ca125662ae96e50d508c5bcac739f16daa9b251e7c114318f"
     "2255ba8d655f6bf57a841b028797229bdce38a9b27756ec1bc4624c0066fd6f3453d0484e88aad434d44a2278b1e3b12"
     "5a1653c55f816eed9758be3bdb16a39f05c5a6b3cb19e57cbf2c7cea804123f2"),
    ("2131005000000000047bd1b5002feeef12500f47c724baaf8e7600bffd837701053510f79d4e36f4ff504d8da4391c46"
     "20051270d7c1fb142f1bd3968a92997c2717c809fb1605db6db2a9227b49bde3"),
    ("2131009000000000047bd1b5002feef3aad3c9950d72802aba392cf27f40245d91c188c2e3657a17374b5befc36b9f59"
     "dd6e1dc0493abd2046ee0ad26bac0443e21af255927d332075a4e92582f96132a475b877e1ab5f1d5139afd9fd8a4f3d"
     "4029cce8ed80911577fae0cbe55c9ac95c007ec9097f5b63190375f4b0433893e5a85d4d7674ab3b4420cb344816e533"),
    ("2131005000000000047bd1b5002feef4ebce1f825f30f4c8e0e5c6e06122f908053510f79d4e36f4ff504d8da4391c46"
     "6d7b9560e6b73c7d21f14a8e36e4b31fe0b865fa91b4818a2a1264932896bf17"),
]

OCTA = [
    ("213100600000000003d8494859764ec623be32157138c3fe696f73461966bd668fd5c9147147500b71326f9116d2f63d"
     "5d62e3fd91a4d22dd12bbc626ce229ec7e3eba192602de4abfcd2398060b6963e906365bed60f8d522a1307db49bae73"),
    ("213100600000000003d8494859764ec695723fc78b775d7fca234672d87a98b11131f4f616cc9608f0fb5c141057c6ca"
     "ed6df21c0c668937cfe458d77ea89701015219e113a3e2fce1e0c373cd7b927156f83fc545a3f40923731bb085582507"),
    ("213100500000000003d8494859764ec7a3c3bb3f957670b791ce2f114a11580a9fbf349c97228bb509ff430da9f1ccf7"
     "d5d20a340bc4fbb4acd798eef9fa2b28fb7c22c333090ac4d1319194f1a354d2"),
    ("213100500000000003d8494859764ec8aa733bea7b1dbd5c12c185187abe79b1544c60b0d21b37fb3349383764d9a8ae"
     "bdfa42d7ffd6cc7b52eae4062520fa88af8cdcbeb97d8c224d33f84310a2515c"),
    ("213100600000000003421be9597633d77ec5f720a61d90278400d4ce5874870b6b564d0f4cceba45d3fbe8c137bfe949"
     "eb00636a9ec7b8db883614b0e3f52886b4aa03c4254ec13ed5f214fed5cdf00063920304189b6c4a825095e14239fedd"),
    ("213101700000000003421be9597633d7b280b75757e56ff2b65159f4c4f3e3dc408ff935318fbdcaa860b25ce564d41d"
     "f52a2a66a6e852f56a8d416eb7bf8b62bd8d6fafffc76b90f2941ca4f7be8dff8e4e7b847b710429ed8da1a6f728aec4"
     "05e989f4018672c66ee1f723cf9d05dc2946160ea4256b42a391e584cc9a1c812400eda4ec60bfe427f8d8b68b004c51"
     "a1e33f447f80a6f6977506f1110a2740a86eb788d0a14aba7373177310a86dafb4deefd4026a8d490e80819c94a97c07"
     "bd54a1674592419fe2d005cff41c07623c0b7cde606c025d691ab92f3abde620acce151f081bb7ecc219bd3a5a937d75"
     "d31b9d56e8e170ed58c13d24dafc9912741aaaace658d6a69be7ca0148d4e1399375553945116c5445391149cc2ca39e"
     "8d7e5f0e838eb2e9e82450bac438ba7f253e8a037cc4a9c6596d725ec2bde1d7b0a8ad4db6cbc8e1e996857e3b2971d1"
     "a3e1a29ea7f2d5cd3578b88d6f9345d3f1998493c59029b89a79aea29196286d"),
    ("213100500000000003421be9597633da0070dcdbd979e639a6502de16e6ab7fb07fe3ef16089a391e58103cdd589e8ce"
     "54b51d410302c2b9d9a9bbb972fc2920b86aea3c1d6b6cbf0790e5c0e33ecc5a"),
    ("213100400000000003421be9597633da4e166bf23f01b60dd680a191bf09cb45d8a007f220dd0b53806a1c8dccde5d80"
     "a48e3a77e5d13d2795e4437b10f30f1a"),
    ("213100500000000003421be9597633e2f12c1fc9ad89683fe9a41ef314a567684ed6904f75397808f40e79d1d4f8bdd9"
     "e64d65ad99a310b6176ab0704ecf6f4c297b80b6e48039c19bbd5f0f83b141a7"),
    ("213100500000000003421be959763da3816a0566cd0254fe78557838c116d8ac451a35907bc06002b070d1ed9d6e1e92"
     "45272410d6324f6825549c4d571a3af00d5b7506df92c0825d0217090f99de00"),
]

MARCEL = [
    "2131002000000000034f0e4500000229335641783733484c36615a7856594263",
    ("2131005000000000034f0e45593888ac53c1e9cd7a4ae1d93431950b6a6599d7abdf147a60899e35fced688c93eb93d0"
     "df20ac396cc4cb787503958bad8e6cb16019c4794fa7ff48f159e771cff380cf"),
    ("2131010000000000034f0e45593888acd32bff80f87519df6b919317d42ed8ec5aa8e555a0c28c1d4644458c90cff9ba"
     "a487777846efbc94ac7f316bc5e175c4ede371baf8e8961e1392c9d852fbf2d82a2b170626cf5c4e9c8962b687b05c73"
     "3b9af3745e518aab2ff8e4fcf1f48189d8d6ffddb5ff53f10ae948b5e0e52cb8c473f2148531184c80d87302167ef37e"
     "9d72557c63deca9d7f3a8d25260d8738a074a2ef6a93431a6801af0fb52d935c50d5da9768de3832fd0eea72fe19701e"
     "3c0849fc1d6c1730049d62e505a840bbdf7d8059020832385d08babe6b59a619880ce5190a76fb5c8f125f1a1982a184"
     "181a4a2b6034508eb8a72351c8a1256d"),
    ("2131005000000000034f0e455936fa7e5d72862b3d246a9a9fb2c98780f898ce4215038612de0a30eb06c4bbe1d299d6"
     "1da4d16c3a78a111ccd058a72292910a135db2f828684144dc7ab77bf6fe083a"),
]

BRUTSKY = [
    "21310020000000000404a850002e58735d3a2f018c90097a850558c35c953b77",
    "21310020000000000404a850002e58735d3a2f018c90097a850558c35c123b77",
    ("21310060000000000404a850002e58734a31baf3a300c3bb4179fe1b910bd69d2fa405db0b664dc87c543b16c63c69e5"
     "429f4825298687cf6194c23fdb0fbed9ed7846dbd1dd4e258218e3f922b632c3ee62af7240530a0757d9d5ec8febcd7b"),
    ("21310040000000000404a850002e5b830afd260f87e33eed4788eb2c5f1b0237da93c178df54ec4a95ee3e952f5c8a73"
     "a0d9ad1a8fec934087977f497a8f7eb5"),
]

IOB1 = [
    "213100200000000002f20d8f58c44dc1ffffffffffffffffffffffffffffffff",
    ("213100500000000002f20d8f58c44dc1cafb3a8f833d5c9ff42ab1ea95a3cdd0f6e1b0838345a54692bc0361794e404e"
     "f59b65fd54ea3dd26b6f9c78131b86f5fe6fecb23ddfc484500bfeb2b525ebcc"),
]

IOB2 = [
    ("2131005000000000034c85dd58a48d020a8231f7212fea5ba29f37f1155decfb3071ecdf47a0c825393e6e111d9249d7"
     "0943fe63c31e85c52bffd21f94d63de5eb963da40410183894c2cff7e4205ed7"),
]

FB_ORIG = [  # epoch, eth src, eth dst, ip src, sport, ip dst, dport, ttl, ip id, udp payload
    ("1658249868.695584000", "74:da:38:8a:08:5d", "ff:ff:ff:ff:ff:ff", "192.168.8.110", 58195, "192.168.8.255", 54321, 128, 0xebc8,
     "21310020ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    ("1658249868.698114000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 58195, 64, 0x0000,
     "2131002000000000133328e1000001f7516e4b434f746577774c326868583270"),
    ("1658249869.696006000", "74:da:38:8a:08:5d", "ff:ff:ff:ff:ff:ff", "192.168.8.110", 58195, "192.168.8.255", 54321, 128, 0xebc9,
     "21310020ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    ("1658249869.715884000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 58195, 64, 0x0000,
     "2131002000000000133328e1000001f8516e4b434f746577774c326868583270"),
    ("1658249874.433775000", "74:da:38:8a:08:5d", "64:90:c1:1d:24:c4", "192.168.8.110", 58198, "192.168.8.1", 54321, 128, 0x4dd8,
     "2131002000000000133328e162d6e29238c15e1011f3b82bf26ffd7f855609f2"),
    ("1658249874.433861000", "74:da:38:8a:08:5d", "64:90:c1:1d:24:c4", "192.168.8.110", 58198, "192.168.8.1", 54321, 128, 0x4dd9,
     ("213100f000000000133328e162d6e2922d5eed8d64fa6d3887fa7bd2b7a749c4caee1396a6f3db92f53a405db3290279"
      "1bcb76ada832ff9db7d3612fd9553124a1282cb990f7248974d5f5bb5b8915f9a4adf38e9c0f7428b55cf6982a0598d3"
      "c6adf2c9747e3be5e1a42d654ce9156867c8930967fc3be6448f6d28c927cb3b6682008ff03495fe90c74dd88cd8b080"
      "994682c18dbd3d69e125ad790f594c5a05013d2add827afbe2f299dd68e69263b2d4248a68808443dd46158d5a3a2e8c"
      "66d4d2844d9aeb78d136a3f51ce3cfb244881636b165ccc11b81f39f110102a431bcea4ca0d434315ce27c2ad7f86dfe")),
    ("1658249874.436224000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 58198, 64, 0x0000,
     "2131002000000000133328e162d6e29238c15e1011f3b82bf26ffd7f855609f2"),
    ("1658249874.439728000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 58198, 64, 0x0000,
     ("2131005000000000133328e1000001fd87404dde1d245b90b576dfb37589c5b2f8c9a7c37325b72a525516a8268d7837"
      "cd32cda72fd89d17366730ef01f150158e9b8f749d955903d1a24671dfdbad81")),
]

FB_PATCHED = [  # epoch, eth src, eth dst, ip src, sport, ip dst, dport, ttl, ip id, udp payload
    ("1658240801.584755000", "74:da:38:8a:08:5d", "ff:ff:ff:ff:ff:ff", "192.168.8.110", 65270, "192.168.8.255", 54321, 128, 0xe926,
     "21310020ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    ("1658240801.587544000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 65270, 64, 0x0000,
     "2131002000000000133328e1000018e672614675376f68687251504841676c63"),
    ("1658240802.585072000", "74:da:38:8a:08:5d", "ff:ff:ff:ff:ff:ff", "192.168.8.110", 65270, "192.168.8.255", 54321, 128, 0xe927,
     "21310020ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    ("1658240802.589068000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 65270, 64, 0x0000,
     "2131002000000000133328e1000018e772614675376f68687251504841676c63"),
    ("1658240807.315724000", "74:da:38:8a:08:5d", "64:90:c1:1d:24:c4", "192.168.8.110", 58742, "192.168.8.1", 54321, 128, 0x0919,
     "2131002000000000133328e162d6bf27f8f216519e394435196a7b689e985674"),
    ("1658240807.315815000", "74:da:38:8a:08:5d", "64:90:c1:1d:24:c4", "192.168.8.110", 58742, "192.168.8.1", 54321, 128, 0x091a,
     ("213100f000000000133328e162d6bf272ce1aa42f9e0dc90d48bd794cce4fad4e8d46be67ffa1d0e7cd49c4180e232ba"
      "73bc083caed8575808c3d1682d1ff7875245e9e05e082e5f3c123822fe5803ffa544fc3a2a3b961cbc0120c06e6578f6"
      "f7cd57bc47b044ad4694f1a7a2990329c18a3ba370df49785c11e1d8676ff09e6b66f6a7fb7678e9cd503239dcf44418"
      "85acd62ec093bc1fa40f660e04cc23186c194426e10aa007e1f5779f20b86365f3663c1ed3f9165729d3877da8d181e2"
      "44810d46fad0ff7049c27ffd7c3448157504b91ab5eeb40a412121a29f71ecbf8a4ab046f5e785dc015b65a49e1a1ba9")),
    ("1658240807.320428000", "64:90:c1:1d:24:c4", "74:da:38:8a:08:5d", "192.168.8.1", 54321, "192.168.8.110", 58742, 64, 0x0000,
     "2131002000000000133328e162d6bf27f8f216519e394435196a7b689e985674"),
]


HELLO = "21310020" + "ff" * 28  # the fixed hello request; added where a source has only the reply


def fb(rows):
    """featherbear rows -> frame dicts (everything as in the original trace)."""
    out = []
    for t, es, ed, ips, sp, ipd, dp, ttl, ipid, hx in rows:
        out.append(dict(t=Decimal(t), src=(ips, sp), dst=(ipd, dp), hex=hx,
                        mac=(es, ed), ttl=ttl, ipid=ipid))
    return out


def seq(client, device, items):
    """items: (time, 'c2d'|'d2c', hex[, note]) -> frame dicts."""
    out = []
    for it in items:
        t, way, hx = it[0], it[1], it[2]
        f = dict(t=Decimal(str(t)), hex=hx)
        f["src"], f["dst"] = (client, device) if way == "c2d" else (device, client)
        if len(it) > 3:
            f["note"] = it[3]
        out.append(f)
    return out


def stamp(hx):
    return int(hx[24:32], 16)


# ---------------------------------------------------------------- captures
CAPTURES = []

# 1, 2. Roborock S6 in AP mode (192.168.8.1), local OTA: hello x2 to broadcast,
# hello replies carrying the token, a 32-byte checksum-only frame, miIO.ota, the
# device's echo of the 32-byte frame, and (original miio_client only) the reply.
CAPTURES.append(dict(
    name="real-featherbear-roborock-s6-ota",
    tokens={0x133328e1: b"QnKCOtewwL2hhX2p".hex()},
    frames=fb(FB_ORIG)))
CAPTURES.append(dict(
    name="real-featherbear-roborock-s6-ota-patched",
    tokens={0x133328e1: b"raFu7ohhrQPHAglc".hex()},
    frames=fb(FB_PATCHED)))

# 3. zhimi.airmonitor.v1 (did 0x047bd1b5), eip/miio2mqtt test vectors.
# EIP[0] is a miIO.info request whose stamp is a Unix time (2020-09-05); it has no
# reply in the source. EIP[1..10]: five request/reply pairs (the reply to the
# get_prop of EIP[2] is EIP[1]). Times follow the device stamps.
_c, _d = ("192.168.1.20", 51320), ("192.168.1.31", 54321)
_t0 = stamp(EIP[0]) + 60  # one minute after EIP[0]'s stamp (a Unix time)
_s0 = stamp(EIP[2])
CAPTURES.append(dict(
    name="real-eip-zhimi-airmonitor-v1",
    tokens={0x047bd1b5: "9c3b2d1da5beceee2808a3d3653b485d"},
    frames=seq(("192.168.1.20", 51310), _d, [(stamp(EIP[0]) + 0.25, "c2d", EIP[0])])
    + seq(_c, _d, [
        (_t0 + 0.100, "c2d", EIP[2]), (_t0 + 0.150, "d2c", EIP[1]),
        (_t0 + stamp(EIP[3]) - _s0 + 0.100, "c2d", EIP[3]), (_t0 + stamp(EIP[4]) - _s0 + 0.150, "d2c", EIP[4]),
        (_t0 + stamp(EIP[5]) - _s0 + 0.100, "c2d", EIP[5]), (_t0 + stamp(EIP[6]) - _s0 + 0.150, "d2c", EIP[6]),
        (_t0 + stamp(EIP[7]) - _s0 + 0.100, "c2d", EIP[7]), (_t0 + stamp(EIP[8]) - _s0 + 0.150, "d2c", EIP[8]),
        (_t0 + stamp(EIP[9]) - _s0 + 0.950, "c2d", EIP[9]), (_t0 + stamp(EIP[10]) - _s0 + 0.000, "d2c", EIP[10]),
    ])))

# 4. Mi Home app traffic recorded by the author of octa22's openHAB binding:
# xiaomi.wifispeaker.v1 (did 0x03421be9) and rockrobo.vacuum.v1 (did 0x03d84948).
# Both devices use wall-clock stamps; the frames are placed at their stamps.
_ph = "192.168.1.40"
_spk, _vac = ("192.168.1.61", 54321), ("192.168.1.62", 54321)
CAPTURES.append(dict(
    name="real-octa22-wifispeaker-rockrobo-v1",
    tokens={0x03421be9: "636a356945696c6c76566d48324e6d48", 0x03d84948: "424d6a5077556d7667714535686c4933"},
    frames=seq((_ph, 45001), _spk, [
        (stamp(OCTA[4]) + 0.200, "c2d", OCTA[4]), (stamp(OCTA[5]) + 0.250, "d2c", OCTA[5]),
        (stamp(OCTA[6]) + 0.300, "c2d", OCTA[6]), (stamp(OCTA[7]) + 0.350, "d2c", OCTA[7]),
        (stamp(OCTA[8]) + 0.300, "c2d", OCTA[8]),
        (stamp(OCTA[9]) + 0.300, "c2d", OCTA[9]),
    ]) + seq((_ph, 45002), _vac, [
        (stamp(OCTA[0]) + 0.100, "c2d", OCTA[0]), (stamp(OCTA[1]) + 0.600, "c2d", OCTA[1]),
        (stamp(OCTA[2]) + 0.100, "c2d", OCTA[2]), (stamp(OCTA[3]) + 0.100, "c2d", OCTA[3]),
    ])))

# 5. rockrobo.vacuum.v1 (did 0x034f0e45, robot at 192.168.3.109 per the source),
# marcelrv/miio-emu. Two get_status requests (2017-06-06 and 2017-06-08, wall-clock
# stamps) and the reply to the second; then, later, the robot in AP mode answering
# a hello with a *different* token (it had been reset), which no frame here uses.
_c, _d = ("192.168.3.100", 50555), ("192.168.3.109", 54321)
_ap_t = 1505901600  # 2017-09-20, the date of the commit
CAPTURES.append(dict(
    name="real-marcelrv-rockrobo-vacuum-v1",
    tokens={0x034f0e45: "4e454b466a34694745345858354d4f43"},
    frames=seq(_c, _d, [
        (stamp(MARCEL[3]) + 0.100, "c2d", MARCEL[3]),
        (stamp(MARCEL[1]) + 0.100, "c2d", MARCEL[1]), (stamp(MARCEL[1]) + 0.150, "d2c", MARCEL[2]),
    ]) + seq(("192.168.8.100", 50556), ("192.168.8.1", 54321), [
        (_ap_t, "c2d", HELLO, "fixed hello request, not in the source (it has only the reply)"),
        (_ap_t + 0.004, "d2c", MARCEL[0].lower()),
    ])))

# 6. zhimi.humidifier.v1 (did 0x0404a850), sergey-brutsky/mi-home: hello reply
# carrying the token, the device's reply {"result":["ok"],"id":1} (stamp 784 s
# after the hello reply's), and the set_power request that MiHomeLib's unit test
# builds with the same token from that hello reply (library-built, not captured).
_c, _d = ("192.168.1.20", 50700), ("192.168.1.70", 54321)
_t = 1608600000  # 2020-12-22, the date of the commit
_dt = stamp(BRUTSKY[3]) - stamp(BRUTSKY[0])
CAPTURES.append(dict(
    name="real-brutsky-zhimi-humidifier-v1",
    tokens={0x0404a850: "5d3a2f018c90097a850558c35c953b77"},
    frames=seq(_c, _d, [
        (_t, "c2d", HELLO, "fixed hello request, not in the source (it has only the reply)"),
        (_t + 0.006, "d2c", BRUTSKY[0]),
    ]) + seq((_c[0], 50701), _d, [
        (_t + _dt - 0.050, "c2d", BRUTSKY[2],
         "built by MiHomeLib's BuildMessage in the source's unit test from the hello reply above; not captured"),
        (_t + _dt, "d2c", BRUTSKY[3]),
    ])))

# 7. Two rockrobo.vacuum.v1 robots from the first commits of ioBroker.mihome-vacuum
# (client port 56363 is the adapter's default own port): app_start to did
# 0x034c85dd (2017-02-15); a hello reply without token and get_consumable from
# did 0x02f20d8f (2017-03-11). Wall-clock stamps.
_c = ("192.168.1.20", 56363)
_a, _b = ("192.168.1.80", 54321), ("192.168.1.81", 54321)
CAPTURES.append(dict(
    name="real-iobroker-rockrobo-vacuum-v1",
    tokens={0x034c85dd: "34665248426447753954473346777549", 0x02f20d8f: "6351394d507672415247364d6a6b4b6d"},
    frames=seq(_c, _a, [(stamp(IOB2[0]) + 0.300, "c2d", IOB2[0])])
    + seq(_c, _b, [
        (stamp(IOB1[0]) + 0.100, "c2d", HELLO, "fixed hello request, not in the source (it has only the reply)"),
        (stamp(IOB1[0]) + 0.110, "d2c", IOB1[0]),
        (stamp(IOB1[1]) + 0.200, "c2d", IOB1[1]),
    ])))


# ---------------------------------------------------------------- checking
def md5(b):
    return hashlib.md5(b).digest()


def classify(raw, tokens, to_device):
    """Returns the truth record for one frame (without 'frame'); raises if the
    frame does not verify."""
    if raw[:2] != b"\x21\x31":
        raise ValueError("bad magic")
    if int.from_bytes(raw[2:4], "big") != len(raw):
        raise ValueError("length field does not match the datagram")
    did = int.from_bytes(raw[8:12], "big")
    rec = {"direction": "to_device" if to_device else "from_device",
           "device_id": "0x%08x" % did, "stamp": "0x%08x" % int.from_bytes(raw[12:16], "big")}
    cks, body = raw[16:32], raw[32:]
    if len(raw) == 32:
        if raw[4:32] == b"\xff" * 28:
            if not to_device:
                raise ValueError("hello from the device side")
            rec["kind"] = "hello"
            return rec
        tok = tokens.get(did)
        if tok is not None and cks == md5(raw[:16] + tok):
            rec["kind"] = "empty_checksum_frame"
            rec["checksum_ok"] = True
            return rec
        if to_device:
            raise ValueError("32-byte client frame that is neither hello nor checksum frame")
        rec["kind"] = "hello_reply"
        if cks in (b"\xff" * 16, b"\x00" * 16):
            rec["carries_token"] = False
        else:
            rec["carries_token"] = True
            rec["token"] = cks.hex()
            rec["token_is_session_token"] = cks == tok
        return rec
    tok = tokens[did]
    if cks != md5(raw[:16] + tok + body):
        raise ValueError("checksum mismatch for did 0x%08x" % did)
    if len(body) % 16:
        raise ValueError("ciphertext not a multiple of 16")
    key = md5(tok)
    dec = Cipher(algorithms.AES(key), modes.CBC(md5(key + tok))).decryptor()
    pt = dec.update(body) + dec.finalize()
    pad = pt[-1]
    if not 1 <= pad <= 16 or pt[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad PKCS#7 padding")
    pt = pt[:-pad]
    text = pt.rstrip(b"\x00").decode("utf-8")  # raises on non-UTF-8
    rec["kind"] = "data"
    rec["checksum_ok"] = True
    rec["plaintext"] = text
    rec["trailing_nuls"] = len(pt) - len(pt.rstrip(b"\x00"))
    try:
        json.loads(text)
    except ValueError:
        rec["json_valid"] = False
    return rec


def build(cap, outdir):
    tokens = {did: bytes.fromhex(t) for did, t in cap["tokens"].items()}
    frames = sorted(cap["frames"], key=lambda f: f["t"])
    truth, pkts = [], []
    for n, f in enumerate(frames, 1):
        raw = bytes.fromhex(f["hex"])
        to_device = f["dst"][1] == 54321 and f["src"][1] != 54321
        rec = {"frame": n}
        rec.update(classify(raw, tokens, to_device))
        if "note" in f:
            rec["note"] = f["note"]
        truth.append(rec)
        macs = f.get("mac") or ("02:00:00:00:00:01", "02:00:00:00:00:02") if to_device else \
            f.get("mac") or ("02:00:00:00:00:02", "02:00:00:00:00:01")
        if f["dst"][0].endswith(".255") or f["dst"][0] == "255.255.255.255":
            macs = (macs[0], "ff:ff:ff:ff:ff:ff")
        p = (Ether(src=macs[0], dst=macs[1])
             / IP(src=f["src"][0], dst=f["dst"][0], ttl=f.get("ttl", 64), id=f.get("ipid", n), flags=0)
             / UDP(sport=f["src"][1], dport=f["dst"][1]) / raw)
        p.time = f["t"]
        pkts.append(p)
    path = os.path.join(outdir, cap["name"] + ".pcapng")
    w = PcapNgWriter(path)
    for p in pkts:
        w.write(p)
    w.close()
    with open(os.path.join(outdir, cap["name"] + ".truth.jsonl"), "w") as fh:
        for rec in truth:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path, len(pkts)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "captures")
    for cap in CAPTURES:
        path, n = build(cap, outdir)
        print("%-60s %3d frames" % (os.path.relpath(path), n))


if __name__ == "__main__":
    main()
