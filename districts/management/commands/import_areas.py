from districts.imports import AREA_COLUMNS, import_areas

from ._importing import ImportCommand


class Command(ImportCommand):
    help = "Import areas from a CSV or XLSX file; nothing is written if any row is wrong."
    importer = staticmethod(import_areas)
    columns = ",".join(AREA_COLUMNS)
