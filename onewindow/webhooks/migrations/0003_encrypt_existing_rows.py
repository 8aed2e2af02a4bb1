"""Encrypt the existing values of webhooks.StaffContact.mobile (SM4-GCM); rows already encrypted are left alone."""

from django.db import migrations

from onewindow.core.pii import decrypt_rows, encrypt_plain_rows


def forwards(apps, schema_editor):
    encrypt_plain_rows(apps, schema_editor, "webhooks.StaffContact", ["mobile"])


def backwards(apps, schema_editor):
    decrypt_rows(apps, schema_editor, "webhooks.StaffContact", ["mobile"])


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_encrypted_mobile")]

    operations = [migrations.RunPython(forwards, backwards)]
