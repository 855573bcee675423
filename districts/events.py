"""Events districts publishes through liaison.common.registry (higher apps subscribe)."""

# Areas or households were added, moved, or changed status (by an import, a page or the
# API): figures counted from households (coverage) are out of date.
HOUSEHOLDS_CHANGED = "districts.households_changed"

# Zones were created or changed the areas they cover: zone counts by area (coverage) are out
# of date.
ZONES_CHANGED = "districts.zones_changed"
