"""Admin: every table here is domain data, viewable for support and changed only by the
services (imports, pages, API)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from liaison.common.admin import ReadOnlyAdminMixin

from .models import Area, Household, ImportJob, Jurisdiction, PersonalDataAccess, Zone, ZoneArea


@admin.register(Area)
class AreaAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "head_name", "group", "members", "status"]
    list_filter = ["status"]
    search_fields = ["code", "head_name"]
    raw_id_fields = ["group", "county", "township", "village"]
    # Personal numbers are not shown in the admin list; reveals go through the audited page.
    exclude = ["id_number", "phone"]
    show_full_result_count = False


class ZoneAreaInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ZoneArea
    raw_id_fields = ["area"]
    extra = 0


@admin.register(Zone)
class ZoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "level"]
    list_filter = ["level"]
    search_fields = ["name"]
    inlines = [ZoneAreaInline]


@admin.register(Jurisdiction)
class JurisdictionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    raw_id_fields = ["user", "areas"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "household", "fields", "ip_address"]
    raw_id_fields = ["user", "household"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "original_name", "status", "created_by"]
    list_filter = ["kind", "status"]
    readonly_fields = ["errors"]
