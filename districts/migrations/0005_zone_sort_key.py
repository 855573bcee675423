from django.db import migrations, models

from liaison.common.natural import natural_key


def fill_sort_keys(apps, schema_editor):
    """Give every existing zone the key of its name (the services keep it from now on)."""
    Zone = apps.get_model("districts", "Zone")
    zones = list(Zone.objects.only("pk", "name"))  # zones are counted in thousands
    for zone in zones:
        zone.sort_key = natural_key(zone.name)
    Zone.objects.bulk_update(zones, ["sort_key"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("districts", "0004_importjob_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="zone",
            name="sort_key",
            field=models.CharField(
                default="", editable=False, max_length=255, verbose_name="sort key"
            ),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterModelOptions(
            name="zone",
            options={
                "ordering": ["level", "sort_key", "pk"],
                "verbose_name": "responsibility zone",
                "verbose_name_plural": "responsibility zones",
            },
        ),
        migrations.AddIndex(
            model_name="zone",
            index=models.Index(fields=["level", "sort_key"], name="zone_level_sort_key"),
        ),
    ]
