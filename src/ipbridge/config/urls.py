from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from ipbridge.accounts.api import router as accounts_router
from ipbridge.core.api import api
from ipbridge.evidence.api import public as evidence_public_router
from ipbridge.evidence.api import router as evidence_router
from ipbridge.identity.api import public as identity_public_router
from ipbridge.identity.api import router as identity_router
from ipbridge.identity.views.credentials import jwks_json
from ipbridge.marketplaces.api import public as marketplaces_public_router
from ipbridge.marketplaces.api import router as marketplaces_router
from ipbridge.notices.api import router as notices_router
from ipbridge.notices.api_webhooks import router as webhooks_router
from ipbridge.rights.api import router as rights_router
from ipbridge.screening.api import router as screening_router
from ipbridge.screening.api_alerts import router as screening_alerts_router
from ipbridge.screening.api_monitoring import router as screening_monitoring_router
from ipbridge.screening.api_streams import router as screening_streams_router
from ipbridge.sharing.api import public as sharing_public_router
from ipbridge.sharing.api import router as sharing_router
from ipbridge.sharing.api_intelligence import router as intelligence_router
from ipbridge.web.views import healthz

api.add_router("/", accounts_router)
api.add_router("/", rights_router)
api.add_router("/", identity_public_router)
api.add_router("/", identity_router)
api.add_router("/", notices_router)
api.add_router("/", webhooks_router)
api.add_router("/", evidence_public_router)
api.add_router("/", evidence_router)
api.add_router("/", marketplaces_public_router)
api.add_router("/", marketplaces_router)
api.add_router("/", sharing_public_router)
api.add_router("/", sharing_router)
api.add_router("/", intelligence_router)
api.add_router("/", screening_router)
api.add_router("/", screening_alerts_router)
api.add_router("/", screening_streams_router)
api.add_router("/", screening_monitoring_router)
# The admin site asks for the second factor too, like every other page of a member.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(".well-known/jwks.json", jwks_json, name="jwks"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("ipbridge.accounts.urls")),
    path("", include("ipbridge.rights.urls")),
    path("", include("ipbridge.identity.urls")),
    path("", include("ipbridge.notices.urls")),
    path("", include("ipbridge.evidence.urls")),
    path("", include("ipbridge.marketplaces.urls")),
    path("", include("ipbridge.sharing.urls")),
    path("", include("ipbridge.screening.urls")),
    path("", include("ipbridge.web.urls")),
]
