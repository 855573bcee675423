from districts.imports import HOUSEHOLD_COLUMNS, import_households

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import households from a CSV or XLSX file; nothing is written if any row is wrong."
    importer = staticmethod(import_households)
    columns = ",".join(HOUSEHOLD_COLUMNS)
