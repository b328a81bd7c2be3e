"""Who is acting: a person in one of their organisations, or an organisation's API key."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ipbridge.accounts.audit import API_KEY_LABEL, SYSTEM_LABEL
from ipbridge.accounts.models import ApiKey, Organisation, OrganisationKind, User
from ipbridge.core.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    organisation: Organisation
    user: User | None
    role: str | None
    scopes: frozenset[str]
    api_key: ApiKey | None = None
    system: bool = False

    def __str__(self) -> str:
        """Stable identity of who is acting, e.g. for rate limits."""
        if self.api_key is not None:
            return f"key:{self.api_key.pk}"
        if self.user is not None:
            return f"user:{self.user.pk}:{self.organisation.pk}"
        return f"system:{self.organisation.pk}"

    @property
    def is_operator(self) -> bool:
        return self.organisation.kind == OrganisationKind.OPERATOR

    def can(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise PermissionDenied(
                _("This action needs the “%(scope)s” permission, which you do not have here.") % {"scope": scope},
                code="missing_scope",
            )

    def require_kind(self, *kinds: str) -> None:
        """Refuse unless the actor's organisation is of one of ``kinds``."""
        if self.organisation.kind not in kinds:
            labels = ", ".join(str(OrganisationKind(k).label) for k in kinds)
            raise PermissionDenied(
                _("Only these organisations may do this: %(kinds)s.") % {"kinds": labels},
                code="wrong_organisation_kind",
            )

    def require_operator(self) -> None:
        if not self.is_operator:
            raise PermissionDenied(_("Only operators may do this."), code="operator_only")

    def require_person(self) -> User:
        if self.user is None:
            raise PermissionDenied(
                _("This action must be done by a signed-in person, not an API key."), code="session_required"
            )
        return self.user

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.system:
            return SYSTEM_LABEL
        return f"{API_KEY_LABEL}{self.api_key.prefix}" if self.api_key else ""
