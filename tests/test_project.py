"""Project-wide checks: translations complete, production settings safe."""

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_zh_hans_translation_is_complete():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_po_file():
    po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(PO))}
    mo = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(PO.with_suffix(".mo")))
    }
    assert po == mo, "run `make messages` (compilemessages) after editing the .po file"


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="liaison.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd="/",
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_demo_county_matches_the_seed(db, settings):
    from django.core.management import call_command

    from districts.models import Area, Household, Zone

    settings.DEBUG = False
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert Area.objects.filter(level="township").count() == 6
    assert Area.objects.filter(level="village").count() == 42
    assert Area.objects.filter(level="group").count() == 618
    assert Zone.objects.count() == 348
    assert 33_000 <= Household.objects.count() <= 35_000
    assert not Household.objects.exclude(
        township__path__startswith="/530000/530800/530827/"
    ).exists()
    # Running it again changes nothing.
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert Zone.objects.count() == 348
