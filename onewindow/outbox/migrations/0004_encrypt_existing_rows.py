"""Encrypt the existing values of outbox.OutboxMessage.destination (SM4-GCM); rows already encrypted are left alone."""

from django.db import migrations

from onewindow.core.pii import decrypt_rows, encrypt_plain_rows


def forwards(apps, schema_editor):
    encrypt_plain_rows(apps, schema_editor, "outbox.OutboxMessage", ["destination"])


def backwards(apps, schema_editor):
    decrypt_rows(apps, schema_editor, "outbox.OutboxMessage", ["destination"])


class Migration(migrations.Migration):
    dependencies = [("outbox", "0003_encrypted_destination")]

    operations = [migrations.RunPython(forwards, backwards)]
