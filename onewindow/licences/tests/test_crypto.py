"""SM3 and SM2 against the standards' published vectors; SM4 sealing of private keys at rest."""

from __future__ import annotations

import pytest

from onewindow.licences import crypto

# GB/T 32905-2016 (SM3) appendix A.
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"

# GB/T 32918.5-2017 / GM/T 0003.5-2012 appendix A.2: SM2 signature on the recommended curve, message
# "message digest", default ID 1234567812345678.
D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
PUB = ("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
       "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
K = int("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21", 16)
Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
MSG = b"message digest"


@pytest.mark.parametrize("digest", [crypto.sm3_digest, crypto.sm3_digest_pure])
def test_sm3_matches_the_standard_vectors(digest):
    assert digest(b"abc").hex() == SM3_ABC
    assert digest(b"abcd" * 16).hex() == SM3_ABCD16


def test_sm2_derives_the_standard_public_key():
    assert crypto.public_key_of(D) == PUB.lower()


def test_sm2_computes_the_standard_z_and_e():
    assert crypto.z_value(PUB.lower()).hex().upper() == Z
    assert crypto.message_digest(PUB.lower(), MSG).hex().upper() == E


def test_sm2_signs_the_standard_example_with_its_k():
    assert crypto.sign(D, PUB, MSG, k=K) == (R + S).lower()


def test_sm2_verifies_the_published_signature_and_rejects_changes():
    assert crypto.verify(PUB, MSG, R + S)
    assert crypto.verify("04" + PUB, MSG, R + S)  # SEC1 uncompressed form
    assert not crypto.verify(PUB, b"message digesT", R + S)
    flipped = R[:-1] + ("0" if R[-1] != "0" else "1") + S
    assert not crypto.verify(PUB, MSG, flipped)


@pytest.mark.parametrize("signature", [
    "", "zz" * 64, "00" * 64, "0" * 64 + S, R + "0" * 64,
    crypto.N.to_bytes(32, "big").hex() + S,  # r = n is out of range
    R + S + "00",
])
def test_sm2_rejects_malformed_or_out_of_range_signatures(signature):
    assert crypto.verify(PUB, MSG, signature) is False


def test_sm2_rejects_a_public_key_off_the_curve():
    bad = PUB[:-1] + ("4" if PUB[-1] != "4" else "5")
    assert crypto.verify(bad, MSG, R + S) is False
    with pytest.raises(crypto.CryptoError):
        crypto.normalise_public_key(bad)


def test_sm2_round_trip_with_a_fresh_key():
    pair = crypto.generate_keypair()
    signature = crypto.sign(pair.private_key, pair.public_key, "电子证照".encode())
    assert crypto.verify(pair.public_key, "电子证照".encode(), signature)
    assert not crypto.verify(pair.public_key, "电子证照!".encode(), signature)
    assert not crypto.verify(PUB, "电子证照".encode(), signature)  # another key


def test_sm2_handles_a_public_key_whose_x_starts_with_04():
    # d = 11 gives X = 04b3cb…: gmssl's constructor would lstrip("04") it; we set the key ourselves.
    private_key = f"{11:064x}"
    public_key = crypto.public_key_of(private_key)
    assert public_key.startswith("04")
    assert crypto.verify(public_key, b"x", crypto.sign(private_key, public_key, b"x"))


def test_sealed_private_key_opens_only_with_the_right_master_key_and_unchanged():
    blob = crypto.seal_secret(D.encode(), "master-one")
    assert D not in blob and D.lower() not in blob
    assert crypto.open_secret(blob, "master-one") == D.encode()
    with pytest.raises(crypto.CryptoError):
        crypto.open_secret(blob, "master-two")
    version, iv, ct, tag = blob.split(":")
    changed = ":".join([version, iv, ct[:-2] + ("00" if ct[-2:] != "00" else "01"), tag])
    with pytest.raises(crypto.CryptoError):
        crypto.open_secret(changed, "master-one")
    with pytest.raises(crypto.CryptoError):
        crypto.open_secret("garbage", "master-one")
    assert crypto.seal_secret(D.encode(), "master-one") != blob  # random IV
