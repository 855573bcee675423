from districts.management.commands._importing import ImportCommand
from liaison.core.imports import CADRE_COLUMNS, import_cadres


class Command(ImportCommand):
    help = "Import cadres from a CSV or XLSX file; nothing is written if any row is wrong."
    importer = staticmethod(import_cadres)
    columns = ",".join(CADRE_COLUMNS)
