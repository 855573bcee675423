"""The default catalogue of concern categories (policy: administrators edit it)."""

from django.db import migrations

DEFAULTS = [
    ("water", "饮水", "Drinking water"),
    ("roads", "道路交通", "Roads"),
    ("housing", "住房安全", "Housing"),
    ("land", "土地林地", "Land"),
    ("social_assistance", "社会救助", "Social assistance"),
    ("medical", "医疗卫生", "Medical care"),
    ("education", "教育", "Education"),
    ("public_order", "社会治安", "Public order"),
    ("agriculture", "农业生产", "Agriculture"),
    ("other", "其他", "Other"),
]


def create(apps, schema_editor):
    Category = apps.get_model("concerns", "Category")
    for order, (code, name, name_en) in enumerate(DEFAULTS, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
