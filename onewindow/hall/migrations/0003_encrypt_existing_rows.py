"""Encrypt appointment phone numbers (SM4-GCM) and recompute their HMAC-SM3 phone index.

Ticket and booking-person keys of ID numbers cannot be recomputed (only their old hash was ever stored);
they are day-scoped or expire with the no-show window, which is why this is acceptable (docs/privacy.md)."""

from django.db import migrations

from onewindow.core.pii import blind_index, decrypt_rows, encrypt_plain_rows


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    encrypt_plain_rows(apps, schema_editor, "hall.Appointment", ["phone"])
    Appointment = apps.get_model("hall", "Appointment")
    for appointment in Appointment.objects.using(alias).only("pk", "phone").iterator():
        Appointment.objects.using(alias).filter(pk=appointment.pk).update(
            phone_key=blind_index("phone", appointment.phone))


def backwards(apps, schema_editor):
    decrypt_rows(apps, schema_editor, "hall.Appointment", ["phone"])


class Migration(migrations.Migration):
    dependencies = [("hall", "0002_encrypted_phone")]

    operations = [migrations.RunPython(forwards, backwards)]
