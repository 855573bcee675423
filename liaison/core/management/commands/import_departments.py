from districts.management.commands._importing import ImportCommand
from liaison.core.imports import DEPARTMENT_COLUMNS, import_departments


class Command(ImportCommand):
    help = "Import departments from a CSV or XLSX file; nothing is written if any row is wrong."
    importer = staticmethod(import_departments)
    columns = ",".join(DEPARTMENT_COLUMNS)
