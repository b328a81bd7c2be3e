from ipbridge.screening.views import monitoring, scans, streams

app_name = "screening"

urlpatterns = [*scans.urls, *streams.urls, *monitoring.urls]
