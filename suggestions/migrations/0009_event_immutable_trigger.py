"""办理记录 cannot be changed or deleted in the database either (PostgreSQL; nothing on SQLite).

The ORM, the admin and the API already refuse; this trigger also refuses raw SQL. The one change allowed
is the one Django makes when a user account is deleted: its events keep the actor's name and lose the
link (``actor_id`` set to NULL, every other column unchanged). TRUNCATE (test teardown, restore with
``--clean``) is not a row operation and is not affected.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION tracker_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND (NEW.id, NEW.suggestion_id, NEW.kind, NEW.actor_name, NEW.at, NEW.round, NEW.from_status,
            NEW.to_status, NEW.department_id, NEW.data::text, NEW.note)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.suggestion_id, OLD.kind, OLD.actor_name, OLD.at, OLD.round, OLD.from_status,
            OLD.to_status, OLD.department_id, OLD.data::text, OLD.note) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'suggestions_event rows are immutable (办理记录不可修改)'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
DROP TRIGGER IF EXISTS event_immutable ON suggestions_event;
CREATE TRIGGER event_immutable BEFORE UPDATE OR DELETE ON suggestions_event
    FOR EACH ROW EXECUTE FUNCTION tracker_event_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS event_immutable ON suggestions_event;
DROP FUNCTION IF EXISTS tracker_event_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0008_statistics_facts")]
    operations = [migrations.RunPython(create, drop)]
