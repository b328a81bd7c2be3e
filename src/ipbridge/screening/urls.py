from ipbridge.screening.views import alerts, monitoring, scans, streams

app_name = "screening"

urlpatterns = [*scans.urls, *alerts.urls, *streams.urls, *monitoring.urls]
