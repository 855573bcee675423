"""Admin: duty days, their photos and monthly compliance are viewable for support and
changed only by the services; the policy tables (quotas, settings) and leave periods are
edited here."""

from django.contrib import admin

from liaison.common.admin import ReadOnlyAdminMixin

from .models import DutyDay, DutyPhoto, DutyQuota, DutySettings, Leave, MonthlyCompliance


@admin.register(DutyQuota)
class DutyQuotaAdmin(admin.ModelAdmin):
    """Policy: minimum days a month in the zone, by rank (0 = no quota)."""

    list_display = ["rank", "days_per_month"]
    list_editable = ["days_per_month"]


@admin.register(DutySettings)
class DutySettingsAdmin(admin.ModelAdmin):
    """Policy: the edit window, and what a day must record to be saved."""

    list_display = ["__str__", "edit_days", "min_activities", "min_diary_length"]

    def has_add_permission(self, request):
        return not DutySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Leave periods have no service or page yet: the admin is where they are kept.
@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ["cadre", "start_date", "end_date", "reason"]
    raw_id_fields = ["cadre"]


class DutyPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DutyPhoto
    extra = 0


@admin.register(DutyDay)
class DutyDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["cadre", "date", "area", "in_zone", "recorded_by"]
    list_filter = ["in_zone"]
    date_hierarchy = "date"
    raw_id_fields = ["cadre", "area", "households", "recorded_by"]
    inlines = [DutyPhotoInline]
    show_full_result_count = False


@admin.register(MonthlyCompliance)
class MonthlyComplianceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["cadre", "month", "days_counted", "days_required", "met"]
    list_filter = ["month", "met"]
    raw_id_fields = ["cadre"]
