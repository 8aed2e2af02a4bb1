"""A licence is issued, signed and revoked together with the case, through the real case services."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError

from onewindow.audit.models import AuditEvent
from onewindow.cases import services as case_services
from onewindow.licences import services
from onewindow.licences.choices import LicenceStatus
from onewindow.licences.identifiers import is_valid_identifier
from onewindow.licences.models import Licence, SealKey

from .world import approve_case, build_world, business_licence_type, enterprise, issued_licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_approving_a_case_issues_a_signed_licence_in_the_same_transaction(world):
    business_licence_type()
    case = approve_case(world)

    licence = issued_licence(case)
    assert licence.status == LicenceStatus.VALID
    assert is_valid_identifier(licence.identifier)
    assert licence.identifier.startswith(f"1.2.156.3005.2.{licence.type_code}.{world.bureau.credit_code}.")
    assert licence.identifier.split(".")[-2] == "001"
    assert licence.holder_name == "测试县好味餐饮有限公司" and licence.holder_code_type == "001"
    assert licence.face_data == {"enterprise_name": "测试县好味餐饮有限公司", "legal_representative": "李四",
                                 "scope": "餐饮服务", "address": "测试县人民路1号"}
    assert licence.issuer_code == world.bureau.credit_code
    assert licence.holder_id == case.applicant_id
    result = services.verify_licence(licence)
    assert result.signature_valid and result.valid
    assert AuditEvent.objects.filter(action="licence_issued", object_id=str(licence.pk)).exists()


def test_the_private_key_is_stored_encrypted(world):
    business_licence_type()
    licence = issued_licence(approve_case(world))
    key = SealKey.objects.get(pk=licence.seal_key_id)
    assert key.private_blob.startswith("v1:")
    assert len(key.public_key) == 128


def test_no_licence_when_the_licence_type_is_not_configured(world, caplog):
    with caplog.at_level(logging.WARNING, logger="onewindow.licences"):
        case = approve_case(world)
    assert case.status == "approved"
    assert not Licence.objects.exists()
    assert "licence_type_missing code=business_licence" in caplog.text


def test_no_licence_for_a_denial(world):
    business_licence_type()
    guide = world.licence_item.guides.get(status="published")
    case = case_services.receive_case(actor=world.clerk, item=world.licence_item, applicant=enterprise(),
                                      centre=world.county, received_material_ids=[m["id"] for m in guide.materials]).case
    case = case_services.accept_case(actor=world.clerk, case=case)
    case = case_services.start_review(actor=world.approver, case=case)
    case_services.decide_case(actor=world.approver, case=case, approve=False, opinion="不符合条件")
    assert not Licence.objects.exists()


def test_revoking_the_case_revokes_the_licence_which_still_verifies_as_revoked(world):
    business_licence_type()
    case = approve_case(world)
    case_services.revoke_case(actor=world.approver, case=case, reason="以欺骗手段取得许可")

    licence = issued_licence(case)
    assert licence.status == LicenceStatus.REVOKED
    assert "撤销" in licence.status_reason
    result = services.verify_licence(licence)
    assert result.signature_valid  # the revocation itself is signed
    assert not result.valid


def test_a_change_creates_a_new_version_linked_to_the_previous(world):
    business_licence_type()
    first = issued_licence(approve_case(world))
    second = services.change_licence(actor=world.approver, licence=first, reason="变更住所",
                                     face_data={"address": "测试县解放路2号"})
    first.refresh_from_db()
    assert first.status == LicenceStatus.SUPERSEDED
    assert second.previous_id == first.pk and second.version == 2 and second.serial == first.serial
    assert second.identifier.split(".")[-2] == "002" and is_valid_identifier(second.identifier)
    assert second.face_data["address"] == "测试县解放路2号"
    assert second.face_data["scope"] == "餐饮服务"
    assert services.verify_licence(first).signature_valid
    assert services.verify_licence(second).valid
    with pytest.raises(Exception, match="只有有效的证照可以变更"):
        services.change_licence(actor=world.approver, licence=first, reason="再改")


def test_cancel_needs_a_reason_and_the_issuing_department(world):
    business_licence_type()
    licence = issued_licence(approve_case(world))
    with pytest.raises(ValidationError):
        services.cancel_licence(actor=world.approver, licence=licence, reason=" ")
    with pytest.raises(Exception, match="无权"):
        services.cancel_licence(actor=world.clerk, licence=licence, reason="申请人申请注销")
    cancelled = services.cancel_licence(actor=world.approver, licence=licence, reason="申请人申请注销")
    assert cancelled.status == LicenceStatus.CANCELLED
    assert services.verify_licence(cancelled).signature_valid and not services.verify_licence(cancelled).valid


def test_key_rotation_keeps_old_licences_verifiable(world):
    business_licence_type()
    old = issued_licence(approve_case(world))
    authority = old.authority
    old_key = old.seal_key
    new_key = services.rotate_seal_key(actor=world.approver, authority=authority)
    old_key.refresh_from_db()
    assert old_key.status == "retired" and new_key.status == "active" and new_key.pk != old_key.pk
    old.refresh_from_db()
    assert services.verify_licence(old).valid  # signed by the retired key, still verifies

    newer = issued_licence(approve_case(world, applicant=enterprise(seed=501, name="测试县第二家公司")))
    assert newer.seal_key_id == new_key.pk
    assert services.verify_licence(newer).valid


def test_a_key_declared_compromised_no_longer_vouches_for_its_signatures(world):
    business_licence_type()
    licence = issued_licence(approve_case(world))
    services.rotate_seal_key(actor=world.approver, authority=licence.authority, compromised=True)
    licence = Licence.objects.select_related("seal_key").get(pk=licence.pk)
    result = services.verify_licence(licence)
    assert not result.signature_valid and any("泄露" in p for p in result.problems)
    assert services.resign_licences(actor=world.approver, authority=licence.authority, key=licence.seal_key) == 1
    licence = Licence.objects.select_related("seal_key").get(pk=licence.pk)
    assert services.verify_licence(licence).valid


def test_only_the_authoritys_staff_may_rotate_keys(world):
    business_licence_type()
    licence = issued_licence(approve_case(world))
    with pytest.raises(Exception, match="无权"):
        services.rotate_seal_key(actor=world.clerk, authority=licence.authority)


def test_a_signer_failure_never_blocks_the_decision_and_staff_can_issue_later(world, client, monkeypatch):
    from onewindow.licences.signing import LocalSM2Signer, SignerUnavailable

    business_licence_type()

    def down(self, seal_key, message):
        raise SignerUnavailable("签章服务不可用")

    monkeypatch.setattr(LocalSM2Signer, "sign", down)
    case = approve_case(world)
    assert case.status == "approved" and not Licence.objects.exists()
    assert AuditEvent.objects.filter(action="licence_issue_failed", object_id=str(case.pk)).exists()

    monkeypatch.undo()
    client.force_login(world.approver)
    response = client.post(f"/staff/licences/cases/{case.number}/issue/")
    assert response.status_code == 302
    assert services.verify_licence(issued_licence(case)).valid
    # Issuing again is idempotent.
    assert services.issue_licence_for_case(actor=world.approver, case=case).pk == issued_licence(case).pk


def test_licence_changes_are_handed_to_supervision_in_the_same_transaction(world):
    from onewindow.supervision.choices import HandoffKind
    from onewindow.supervision.models import Handoff

    business_licence_type()
    case = approve_case(world)
    first = issued_licence(case)
    assert not Handoff.objects.filter(case=case, kind=HandoffKind.LICENCE_CHANGE).exists()
    second = services.change_licence(actor=world.approver, licence=first, reason="变更住所",
                                     face_data={"address": "测试县解放路2号"})
    services.cancel_licence(actor=world.approver, licence=second, reason="申请人申请注销")
    changes = list(Handoff.objects.filter(case=case, kind=HandoffKind.LICENCE_CHANGE).order_by("pk"))
    assert changes, "a licence change must reach the supervising side"
    summaries = " ".join(h.summary for h in changes)
    assert "变更住所" in summaries and "申请人申请注销" in summaries


def test_a_failed_change_hands_nothing_off(world):
    from onewindow.supervision.models import Handoff

    business_licence_type()
    case = approve_case(world)
    licence = issued_licence(case)
    before = Handoff.objects.count()
    with pytest.raises(Exception, match="无权"):
        services.cancel_licence(actor=world.clerk, licence=licence, reason="申请人申请注销")
    assert Handoff.objects.count() == before
