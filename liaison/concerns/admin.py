"""Admin: concerns, their events, boxes and reports are viewable for support and changed
only by the services; the policy tables (categories, deadlines, working-day overrides) are
edited here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from liaison.common.admin import ReadOnlyAdminMixin

from .models import (
    BoxOpening,
    Category,
    Concern,
    ConcernEvent,
    ConcernPolicy,
    ContactCard,
    MailIntake,
    OfficerReport,
    OpinionBox,
    PublicPolicy,
    QuarantinedMail,
    WorkdayOverride,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Policy: the catalogue, each category with an optional shorter deadline."""

    list_display = ["code", "name", "name_en", "deadline_days", "active", "order"]
    list_editable = ["deadline_days", "active", "order"]


@admin.register(ConcernPolicy)
class ConcernPolicyAdmin(admin.ModelAdmin):
    """Policy: deadlines in working days, the call-back window, escalation thresholds."""

    list_display = [
        "__str__",
        "ack_days",
        "consult_days",
        "complaint_days",
        "callback_days",
        "county_after_days",
    ]

    def has_add_permission(self, request):
        return not ConcernPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    """Policy: holidays and adjusted working days of a year the package does not know yet."""

    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class ConcernEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConcernEvent
    extra = 0
    fields = ["at", "actor", "action", "from_state", "to_state", "note"]


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["tracking_number", "state", "channel", "kind", "area", "owner", "due"]
    list_filter = ["state", "channel", "kind", "escalation_level"]
    search_fields = ["tracking_number"]
    raw_id_fields = ["area", "township", "village", "household", "owner", "department"]
    inlines = [ConcernEventInline]
    show_full_result_count = False


@admin.register(OpinionBox)
class OpinionBoxAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["area", "location", "keyholder", "active"]
    raw_id_fields = ["area"]


@admin.register(BoxOpening)
class BoxOpeningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["box", "opened_on", "opened_by", "slips"]
    raw_id_fields = ["box"]


@admin.register(OfficerReport)
class OfficerReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["officer", "village", "date", "zero"]
    raw_id_fields = ["officer", "village"]


@admin.register(MailIntake)
class MailIntakeAdmin(admin.ModelAdmin):
    """Policy: the mailbox addresses the receiver takes, each with its default place."""

    list_display = ["address", "default_area", "kind", "category", "reply", "active"]
    raw_id_fields = ["default_area"]


@admin.register(QuarantinedMail)
class QuarantinedMailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Mail the mailbox refused or held, with the reason (read only; the raw bytes are not
    served: they may carry what was refused)."""

    list_display = ["received_at", "sender", "subject", "reason", "fate", "smtp_reply", "size"]
    list_filter = ["reason", "fate"]
    search_fields = ["sender", "from_header", "subject"]
    date_hierarchy = "received_at"
    exclude = ["raw"]
    readonly_fields = ["headers"]

    @admin.display(description=_("headers"))
    def headers(self, obj: QuarantinedMail) -> str:
        head = bytes(obj.raw or b"").split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        return head[:8000].decode("utf-8", errors="replace")


@admin.register(PublicPolicy)
class PublicPolicyAdmin(admin.ModelAdmin):
    """Policy: the public form's rate limits and which boards are public."""

    list_display = [
        "__str__",
        "per_address_per_hour",
        "per_phone_per_day",
        "lookups_per_hour",
        "township_boards_public",
        "village_boards_public",
    ]

    def has_add_permission(self, request):
        return not PublicPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContactCard)
class ContactCardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Cards are issued on the printing page (services); viewable here for support."""

    list_display = ["code", "household", "created_at", "revoked_at"]
    search_fields = ["code"]
    raw_id_fields = ["household"]
