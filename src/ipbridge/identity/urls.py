from django.urls import path

from ipbridge.identity import views

app_name = "identity"

urlpatterns = [
    path("identity/", views.overview, name="overview"),
    path("identity/profile/", views.profile_update, name="profile_update"),
    path("identity/documents/", views.document_add, name="document_add"),
    path("identity/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("identity/documents/<int:document_id>/remove/", views.document_remove, name="document_remove"),
    path("identity/domain/code/", views.domain_code_send, name="domain_code_send"),
    path("identity/domain/confirm/", views.domain_code_confirm, name="domain_code_confirm"),
    path("identity/submit/", views.submit, name="submit"),
    path("identity/claims/", views.claims, name="claims"),
    path("identity/claims/new/", views.claim_new, name="claim_new"),
    path("identity/claims/<int:claim_id>/", views.claim_detail, name="claim_detail"),
    path("identity/claims/<int:claim_id>/code/", views.claim_code_confirm, name="claim_code_confirm"),
    path("identity/claims/<int:claim_id>/code/resend/", views.claim_code_resend, name="claim_code_resend"),
    path("identity/claims/<int:claim_id>/documents/", views.claim_document_add, name="claim_document_add"),
    path("identity/claims/<int:claim_id>/withdraw/", views.claim_withdraw, name="claim_withdraw"),
    path("identity/claims/<int:claim_id>/decide/", views.claim_decide, name="claim_decide"),
    path("identity/mandates/", views.mandates, name="mandates"),
    path("identity/mandates/authorise/", views.mandate_authorise, name="mandate_authorise"),
    path("identity/mandates/<int:mandate_id>/", views.mandate_detail, name="mandate_detail"),
    path("identity/mandates/<int:mandate_id>/document/", views.mandate_document, name="mandate_document"),
    path("identity/mandates/<int:mandate_id>/revoke/", views.mandate_revoke, name="mandate_revoke"),
    path("identity/credentials/", views.credentials_list, name="credentials"),
    path("identity/credentials/issue/", views.credential_issue, name="credential_issue"),
    path("identity/credentials/<int:credential_id>/", views.credential_detail, name="credential_detail"),
    path("identity/credentials/<int:credential_id>/download/", views.credential_download, name="credential_download"),
    path("identity/credentials/<int:credential_id>/revoke/", views.credential_revoke, name="credential_revoke"),
    path("credentials/verify/", views.credential_verify, name="credential_verify"),
    path("operator/identity/", views.reviews, name="reviews"),
    path("operator/identity/signing-key/rotate/", views.signing_key_rotate, name="signing_key_rotate"),
    path("operator/identity/<slug:slug>/", views.review_organisation, name="review_organisation"),
    path("operator/identity/<slug:slug>/decide/", views.review_decide, name="review_decide"),
]
