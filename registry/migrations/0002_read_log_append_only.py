"""On PostgreSQL, the log of identity reads refuses UPDATE and DELETE in the database itself, whatever
client writes to it (the ORM refuses them too, on every database). TRUNCATE is left to the table's owner
(the test suite empties tables with it); the application's role should not own its tables in production."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION registry_identityread_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'registry_identityread is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registry_identityread_append_only
    BEFORE UPDATE OR DELETE ON registry_identityread
    FOR EACH ROW EXECUTE FUNCTION registry_identityread_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS registry_identityread_append_only ON registry_identityread;
DROP FUNCTION IF EXISTS registry_identityread_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
