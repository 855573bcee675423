"""Admin: domain tables are viewable for support and changed only by the services (the
pages and API: checks, history, recomputes); the policy tables (five links, contact card
details) are edited here."""

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from liaison.common.admin import ReadOnlyAdminMixin

from . import tokens
from .models import (
    AccountEvent,
    Cadre,
    ContactInfo,
    CoverageJob,
    CoverageSnapshot,
    Department,
    DepartmentVillageLink,
    FiveLinksRule,
    Pairing,
    ZoneLeadership,
)


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "level", "kind", "area"]
    list_filter = ["level", "kind"]
    search_fields = ["name"]
    raw_id_fields = ["area"]


@admin.register(Cadre)
class CadreAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "rank", "department", "area", "left_date"]
    list_filter = ["rank", "department__kind"]
    search_fields = ["name"]
    raw_id_fields = ["department", "area", "user"]


@admin.register(Pairing)
class PairingAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["cadre", "household", "start_date", "end_date"]
    raw_id_fields = ["cadre", "household", "created_by"]
    show_full_result_count = False


@admin.register(ZoneLeadership)
class ZoneLeadershipAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["zone", "cadre", "start_date", "end_date"]
    raw_id_fields = ["zone", "cadre"]


@admin.register(DepartmentVillageLink)
class DepartmentVillageLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["department", "village", "start_date", "end_date"]
    raw_id_fields = ["department", "village"]


@admin.register(FiveLinksRule)
class FiveLinksRuleAdmin(admin.ModelAdmin):
    """Policy: which department kind serves which village and household categories."""

    list_display = ["department_kind", "village_category", "household_category"]


@admin.register(ContactInfo)
class ContactInfoAdmin(admin.ModelAdmin):
    list_display = ["area", "hotline", "mailbox", "liaison_officer"]
    raw_id_fields = ["area"]


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["area", "as_of", "households", "covered_households", "computed_at"]
    list_filter = ["as_of"]
    raw_id_fields = ["area"]


@admin.register(CoverageJob)
class CoverageJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["as_of", "status", "rows_written", "created_at", "finished_at"]


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The account audit trail: read-only (the account services write it)."""

    list_display = ["at", "actor", "user", "action"]
    list_filter = ["action"]
    raw_id_fields = ["actor", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# DRF's token admin lists the keys in full; a list of keys is a list of passwords.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenPrefixAdmin(TokenAdmin):
    """API tokens by account, with only the first characters of each key."""

    list_display = ("user", "key_start", "created", "expires")

    @admin.display(description=_("Token"))
    def key_start(self, token: TokenProxy) -> str:
        return f"{tokens.key_prefix(token)}…"

    @admin.display(description=_("Expires"))
    def expires(self, token: TokenProxy) -> Any:
        return tokens.token_expires(token)
