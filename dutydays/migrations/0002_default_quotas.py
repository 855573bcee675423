"""Seed the quotas with the article's defaults: county leaders 5 days, department heads 7."""

from django.db import migrations

DEFAULTS = {
    "county_leader": 5,
    "department_head": 7,
    "township_leader": 0,
    "section": 0,
    "ordinary": 0,
    "village_cadre": 0,
    "instructor": 0,
    "graduate_official": 0,
}


def forwards(apps, schema_editor):
    quota = apps.get_model("dutydays", "DutyQuota")
    for rank, days in DEFAULTS.items():
        quota.objects.get_or_create(rank=rank, defaults={"days_per_month": days})
    apps.get_model("dutydays", "DutySettings").objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    apps.get_model("dutydays", "DutyQuota").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("dutydays", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
