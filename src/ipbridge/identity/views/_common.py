"""What the authentication pages share: who may see them, how refusals and re-posted forms are answered."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext_lazy

from ipbridge.accounts.models import OrganisationKind
from ipbridge.identity.files import document_open

HOLDERS = (OrganisationKind.RIGHT_HOLDER,)
HOLDERS_AND_AGENTS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)

# The engine's sentences are in English; these say the same in the reader's language.
CHECK_REASONS = {
    "malformed": gettext_lazy("This is not a well-formed credential."),
    "wrong_type": gettext_lazy("This token is not an IPBridge credential."),
    "unknown_key": gettext_lazy("The credential was not signed with a key this instance publishes."),
    "bad_signature": gettext_lazy("The signature does not match the contents: the credential was altered."),
    "expired": gettext_lazy("The credential has expired."),
    "not_yet_valid": gettext_lazy("The credential is not valid yet."),
    "revoked": gettext_lazy("The credential was revoked."),
    "unsupported_algorithm": gettext_lazy("The credential uses an algorithm that is not accepted."),
}


def _document_response(storage_name: str, *, content_type: str, file_name: str) -> FileResponse:
    return FileResponse(document_open(storage_name), content_type=content_type, as_attachment=True, filename=file_name)
