"""The database itself refuses to change audit rows, whatever path a change would take.

PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE (its test flushes need DELETE, and the embedded
database is not shared). TRUNCATE stays available to whoever administers the database.
"""

from django.db import migrations

POSTGRESQL_UP = """
CREATE OR REPLACE FUNCTION ipbridge_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION ipbridge_audit_append_only();
"""
POSTGRESQL_DOWN = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS ipbridge_audit_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS accounts_auditevent_no_update;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRESQL_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
