"""Append-only audit tables on PostgreSQL: UPDATE and DELETE of audit rows and their hash-chain links raise,
unless the prune transaction holds a row in audit_auditpermit (onewindow.audit.services.prune).

TRUNCATE is left alone: it needs the table owner's rights (the application's database role should not own
the tables in production, see docs/security.md), and the test suite's flush uses it. SQLite gets no trigger:
its test flush deletes row by row; the hash chain still detects any edit or deletion there.
"""

from django.db import migrations

TABLES = ["audit_auditevent", "audit_auditseal"]

FUNCTION = """
CREATE OR REPLACE FUNCTION onewindow_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_auditpermit) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, None)  # no parameters: the % are plpgsql format markers
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION onewindow_audit_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS onewindow_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditchainhead_auditpermit_auditseal")]
    operations = [migrations.RunPython(forwards, backwards)]
