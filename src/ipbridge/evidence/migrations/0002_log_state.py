from django.db import migrations


def create_state(apps, schema_editor):
    apps.get_model("evidence", "LogState").objects.get_or_create(pk=1, defaults={"size": 0})


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_vault")]

    operations = [migrations.RunPython(create_state, migrations.RunPython.noop)]
