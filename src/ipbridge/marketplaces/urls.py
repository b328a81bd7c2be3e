from django.urls import path

from ipbridge.marketplaces import views

app_name = "marketplaces"

urlpatterns = [
    path("marketplaces/", views.directory_search, name="search"),
    path("marketplaces/compare/", views.compare, name="compare"),
    path("marketplaces/new/", views.profile_new, name="new"),
    path("marketplaces/<slug:slug>/", views.profile_detail, name="profile"),
    path("marketplaces/<slug:slug>/edit/", views.profile_edit, name="edit"),
    path("marketplaces/<slug:slug>/history/", views.profile_history, name="history"),
]
