from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ipbridge.accounts.models import ApiKey, AuditEvent, Invitation, Membership, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "slug", "kind", "verification_status", "created_at")
    list_filter = ("kind", "verification_status")
    search_fields = ("name", "slug")


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("email", "full_name", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    exclude = ("password",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "organisation", "role", "created_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ("name", "prefix", "organisation", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("key_hash",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log has no edit or delete path, here included."""

    list_display = ("created_at", "action", "actor_label", "organisation", "subject_type", "subject_id", "ip")
    list_filter = ("action",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
