from django.urls import path

from ipbridge.identity.views import claims as claims_views
from ipbridge.identity.views import credentials as credential_views
from ipbridge.identity.views import holders as holder_views
from ipbridge.identity.views import identity as identity_views
from ipbridge.identity.views import mandates as mandates_views

app_name = "identity"

urlpatterns = [
    path("identity/", identity_views.overview, name="overview"),
    path("identity/profile/", identity_views.profile_update, name="profile_update"),
    path("identity/documents/", identity_views.document_add, name="document_add"),
    path("identity/documents/<int:document_id>/", identity_views.document_download, name="document_download"),
    path("identity/documents/<int:document_id>/remove/", identity_views.document_remove, name="document_remove"),
    path("identity/domain/code/", identity_views.domain_code_send, name="domain_code_send"),
    path("identity/domain/confirm/", identity_views.domain_code_confirm, name="domain_code_confirm"),
    path("identity/submit/", identity_views.submit, name="submit"),
    path("identity/claims/", claims_views.claims, name="claims"),
    path("identity/claims/new/", claims_views.claim_new, name="claim_new"),
    path("identity/claims/<int:claim_id>/", claims_views.claim_detail, name="claim_detail"),
    path("identity/claims/<int:claim_id>/code/", claims_views.claim_code_confirm, name="claim_code_confirm"),
    path("identity/claims/<int:claim_id>/code/resend/", claims_views.claim_code_resend, name="claim_code_resend"),
    path("identity/claims/<int:claim_id>/documents/", claims_views.claim_document_add, name="claim_document_add"),
    path("identity/claims/<int:claim_id>/withdraw/", claims_views.claim_withdraw, name="claim_withdraw"),
    path("identity/claims/<int:claim_id>/decide/", claims_views.claim_decide, name="claim_decide"),
    path("identity/holders/", holder_views.holders, name="holders"),
    path("identity/holders/<slug:slug>/", holder_views.holder_detail, name="holder_detail"),
    path("identity/mandates/", mandates_views.mandates, name="mandates"),
    path("identity/mandates/authorise/", mandates_views.mandate_authorise, name="mandate_authorise"),
    path("identity/mandates/<int:mandate_id>/", mandates_views.mandate_detail, name="mandate_detail"),
    path("identity/mandates/<int:mandate_id>/document/", mandates_views.mandate_document, name="mandate_document"),
    path("identity/mandates/<int:mandate_id>/revoke/", mandates_views.mandate_revoke, name="mandate_revoke"),
    path("identity/credentials/", credential_views.credentials_list, name="credentials"),
    path("identity/credentials/issue/", credential_views.credential_issue, name="credential_issue"),
    path("identity/credentials/<int:credential_id>/", credential_views.credential_detail, name="credential_detail"),
    path(
        "identity/credentials/<int:credential_id>/download/",
        credential_views.credential_download,
        name="credential_download",
    ),
    path(
        "identity/credentials/<int:credential_id>/revoke/", credential_views.credential_revoke, name="credential_revoke"
    ),
    path("credentials/verify/", credential_views.credential_verify, name="credential_verify"),
    path("operator/identity/", identity_views.reviews, name="reviews"),
    path("operator/identity/signing-key/rotate/", identity_views.signing_key_rotate, name="signing_key_rotate"),
    path("operator/identity/<slug:slug>/", identity_views.review_organisation, name="review_organisation"),
    path("operator/identity/<slug:slug>/decide/", identity_views.review_decide, name="review_decide"),
]
