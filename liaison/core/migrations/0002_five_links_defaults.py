"""Seed the five-links policy table with the 2012 defaults (DOMAIN.md §1)."""

from django.db import migrations

DEFAULTS = [
    ("party_gov", "weak_infrastructure", "extreme_hardship"),
    ("political_legal", "public_order_lagging", "problem"),
    ("economic", "economy_lagging", "poor"),
    ("education_culture", "culture_lagging", "education_lagging"),
    ("agri_science", "large_producer", "large_producer"),
]


def forwards(apps, schema_editor):
    rule = apps.get_model("liaison", "FiveLinksRule")
    for kind, village, household in DEFAULTS:
        rule.objects.update_or_create(
            department_kind=kind,
            defaults={"village_category": village, "household_category": household},
        )


def backwards(apps, schema_editor):
    apps.get_model("liaison", "FiveLinksRule").objects.filter(
        department_kind__in=[d[0] for d in DEFAULTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("liaison", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
