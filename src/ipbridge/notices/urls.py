from django.urls import path

from ipbridge.notices.views import accuracy as accuracy_views
from ipbridge.notices.views import cases as case_views
from ipbridge.notices.views import intake as intake_views
from ipbridge.notices.views import notices as notice_views
from ipbridge.notices.views import webhooks as webhook_views

app_name = "notices"

urlpatterns = [
    path("notices/", notice_views.notice_list, name="list"),
    path("notices/accuracy/", accuracy_views.accuracy_page, name="accuracy"),
    path("notices/new/", notice_views.compose, name="compose"),
    path("notices/<int:notice_id>/", notice_views.notice_detail, name="detail"),
    path("notices/<int:notice_id>/withdraw/", notice_views.notice_withdraw, name="withdraw"),
    path("cases/", case_views.inbox, name="inbox"),
    path("cases/intake/", intake_views.intake_list, name="intake"),
    path("cases/intake/<slug:slug>/", intake_views.intake_edit, name="intake_edit"),
    path("cases/<int:case_id>/", case_views.case_detail, name="case"),
    path("cases/<int:case_id>/acknowledge/", case_views.case_acknowledge, name="case_acknowledge"),
    path("cases/<int:case_id>/decide/", case_views.case_decide, name="case_decide"),
    path("cases/<int:case_id>/forward/", case_views.case_forward, name="case_forward"),
    path("cases/<int:case_id>/close/", case_views.case_close, name="case_close"),
    path("cases/<int:case_id>/counter-notice/", case_views.counter_notice, name="counter_notice"),
    path("cases/<int:case_id>/appeal/", case_views.appeal, name="appeal"),
    path("cases/<int:case_id>/appeals/<int:appeal_id>/decide/", case_views.appeal_decide, name="appeal_decide"),
    path("cases/<int:case_id>/complaint/", case_views.complaint, name="complaint"),
    path("cases/<int:case_id>/flag-malicious/", case_views.case_flag_malicious, name="case_flag_malicious"),
    path(
        "notices/sender-measures/<int:measure_id>/lift/",
        accuracy_views.sender_measure_lift,
        name="sender_measure_lift",
    ),
    path("webhooks/", webhook_views.webhooks_page, name="webhooks"),
    path("webhooks/new/", webhook_views.webhook_create, name="webhook_create"),
    path(
        "webhooks/<int:endpoint_id>/rotate-secret/",
        webhook_views.webhook_rotate_secret,
        name="webhook_rotate_secret",
    ),
    path("webhooks/<int:endpoint_id>/deactivate/", webhook_views.webhook_deactivate, name="webhook_deactivate"),
    path("webhooks/deliveries/", webhook_views.webhook_deliveries, name="webhook_deliveries"),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        webhook_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
