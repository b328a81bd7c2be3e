from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from ipbridge.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/sign-up/", views.sign_up, name="sign_up"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("accounts/security/", views.security, name="security"),
    path("accounts/security/recovery-codes/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("accounts/switch/", views.organisation_switch, name="organisation_switch"),
    path("accounts/language/", views.language_set, name="language_set"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:security")
        ),
        name="password_change",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("organisation/members/", views.members, name="members"),
    path("organisation/members/<int:member_id>/role/", views.member_role_change, name="member_role_change"),
    path("organisation/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("organisation/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("organisation/api-keys/", views.api_keys, name="api_keys"),
    path("organisation/api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("organisation/audit/", views.audit_log, name="audit_log"),
    path("operator/organisations/", views.organisations, name="organisations"),
    path(
        "operator/organisations/<slug:slug>/verification/",
        views.organisation_verification_set,
        name="organisation_verification_set",
    ),
]
