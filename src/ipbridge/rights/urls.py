from django.urls import path

from ipbridge.rights.views import imports, register

app_name = "rights"

urlpatterns = [
    path("rights/", register.search, name="search"),
    path("rights/verify/", register.verify, name="verify"),
    path("rights/<str:office>/<str:number>/", register.detail, name="detail"),
    path("operator/imports/", imports.import_list, name="imports"),
    path("operator/imports/<int:batch_id>/", imports.import_detail, name="import_detail"),
    path("operator/imports/<int:batch_id>/progress/", imports.import_progress, name="import_progress"),
]
