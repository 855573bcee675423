from districts.management.commands._importing import ImportCommand
from liaison.core.imports import PAIRING_COLUMNS, import_pairings


class Command(ImportCommand):
    help = "Import pairings from a CSV or XLSX file; nothing is written if any row is wrong."
    importer = staticmethod(import_pairings)
    columns = ",".join(PAIRING_COLUMNS)
