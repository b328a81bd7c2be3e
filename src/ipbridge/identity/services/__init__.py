"""Every write of authentication (鉴权): the organisation's identity, claims on register rights, mandates to
agents. Credentials are in ``ipbridge.identity.credentials``. One keyword-only function per use case, each in one
transaction with its audit rows.

A wrong code is the one refusal that must leave a trace (the attempt counts), so the code-checking services
commit that trace first and raise afterwards.
"""

from ipbridge.identity.services._shared import (
    code_email_deliver,
)
from ipbridge.identity.services.claims import (
    right_claim_code_confirm,
    right_claim_code_resend,
    right_claim_document_add,
    right_claim_review_decide,
    right_claim_start,
    right_claim_withdraw,
)
from ipbridge.identity.services.mandates import (
    MAX_MANDATE_YEARS,
    Authorisation,
    mandate_authorise,
    mandate_grant,
    mandate_revoke,
)
from ipbridge.identity.services.organisation import (
    FREE_MAIL_DOMAINS,
    identity_document_add,
    identity_document_remove,
    identity_domain_code_confirm,
    identity_domain_code_send,
    identity_profile_update,
    identity_review_decide,
    identity_submit,
)

__all__ = [
    "FREE_MAIL_DOMAINS",
    "MAX_MANDATE_YEARS",
    "Authorisation",
    "code_email_deliver",
    "identity_document_add",
    "identity_document_remove",
    "identity_domain_code_confirm",
    "identity_domain_code_send",
    "identity_profile_update",
    "identity_review_decide",
    "identity_submit",
    "mandate_authorise",
    "mandate_grant",
    "mandate_revoke",
    "right_claim_code_confirm",
    "right_claim_code_resend",
    "right_claim_document_add",
    "right_claim_review_decide",
    "right_claim_start",
    "right_claim_withdraw",
]
