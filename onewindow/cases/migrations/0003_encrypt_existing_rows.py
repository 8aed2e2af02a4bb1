"""Encrypt the personal fields of existing rows (SM4-GCM), move the certificate blind index to HMAC-SM3 and
take the plain phone number out of applicant usernames (``p:<phone>`` → ``p:<blind index>`` + ApplicantAccount).

Plain SQL reads and queryset updates only, so it runs the same on SQLite and PostgreSQL; a row already
encrypted is left alone, so an interrupted run can simply be repeated."""

from django.db import migrations

from onewindow.core.pii import blind_index, decrypt_rows, encrypt_plain_rows

APPLICANT_FIELDS = ["cert_number", "phone", "address"]
CASE_FIELDS = ["agent_cert_number", "agent_phone", "contact_phone"]


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    encrypt_plain_rows(apps, schema_editor, "cases.Applicant", APPLICANT_FIELDS)
    encrypt_plain_rows(apps, schema_editor, "cases.Case", CASE_FIELDS)
    Applicant = apps.get_model("cases", "Applicant")
    for applicant in Applicant.objects.using(alias).only("pk", "cert_type", "cert_number").iterator():
        index = blind_index(applicant.cert_type, applicant.cert_number.strip().upper())
        Applicant.objects.using(alias).filter(pk=applicant.pk).update(cert_index=index)
    User = apps.get_model("auth", "User")
    ApplicantAccount = apps.get_model("cases", "ApplicantAccount")
    for user in User.objects.using(alias).filter(username__startswith="p:").iterator():
        phone = user.username[2:]
        if not (phone.isdigit() and len(phone) == 11):
            continue  # already an index
        ApplicantAccount.objects.using(alias).get_or_create(user_id=user.pk, defaults={"phone": phone})
        User.objects.using(alias).filter(pk=user.pk).update(username="p:" + blind_index("phone", phone))


def backwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    User = apps.get_model("auth", "User")
    ApplicantAccount = apps.get_model("cases", "ApplicantAccount")
    for account in ApplicantAccount.objects.using(alias).iterator():
        User.objects.using(alias).filter(pk=account.user_id).update(username="p:" + account.phone)
    decrypt_rows(apps, schema_editor, "cases.Applicant", APPLICANT_FIELDS)
    decrypt_rows(apps, schema_editor, "cases.Case", CASE_FIELDS)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_encrypted_personal_fields")]

    operations = [migrations.RunPython(forwards, backwards)]
