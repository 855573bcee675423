"""Admin: every table here is domain data, viewable for support and changed only by the
services (imports, pages, API) — except the privacy policy, a policy table edited here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from liaison.common.admin import ReadOnlyAdminMixin

from .models import (
    Area,
    AuditEntry,
    Household,
    ImportJob,
    Jurisdiction,
    PersonalDataAccess,
    PrivacyPolicy,
    Zone,
    ZoneArea,
)


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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: append only, in the admin as everywhere."""

    list_display = ["at", "kind", "username", "area", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    """Policy: reveals an hour, the idle timeout, the retention period."""

    list_display = ["__str__", "reveals_per_hour", "session_idle_minutes", "retention_years"]

    def has_add_permission(self, request):
        return not PrivacyPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
