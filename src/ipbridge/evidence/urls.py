from django.urls import path

from ipbridge.evidence import views

app_name = "evidence"

urlpatterns = [
    path("evidence/", views.evidence_list, name="list"),
    path("evidence/new/", views.evidence_add, name="add"),
    path("evidence/export/", views.evidence_export, name="export"),
    path("evidence/attach/", views.evidence_attach, name="attach"),
    path("evidence/verify/", views.package_verify, name="verify"),
    path("evidence/log/", views.log_status, name="log"),
    path("evidence/log/check/", views.log_check, name="log_check"),
    path("evidence/<int:evidence_id>/", views.evidence_detail, name="detail"),
    path("evidence/<int:evidence_id>/content/", views.evidence_content, name="content"),
    path("evidence/<int:evidence_id>/share/", views.evidence_share, name="share"),
    path("evidence/<int:evidence_id>/unshare/", views.evidence_unshare, name="unshare"),
]
