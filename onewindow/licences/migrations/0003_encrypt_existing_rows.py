"""Encrypt the holder code of existing licences (SM4-GCM) and move their blind index to HMAC-SM3."""

from django.db import migrations

from onewindow.core.pii import blind_index, decrypt_rows, encrypt_plain_rows


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    encrypt_plain_rows(apps, schema_editor, "licences.Licence", ["holder_code"])
    Licence = apps.get_model("licences", "Licence")
    for licence in Licence.objects.using(alias).only("pk", "holder_code_type", "holder_code").iterator():
        index = blind_index(licence.holder_code_type, licence.holder_code.strip().upper())
        Licence.objects.using(alias).filter(pk=licence.pk).update(holder_index=index)


def backwards(apps, schema_editor):
    decrypt_rows(apps, schema_editor, "licences.Licence", ["holder_code"])


class Migration(migrations.Migration):
    dependencies = [("licences", "0002_encrypted_holder_code")]

    operations = [migrations.RunPython(forwards, backwards)]
