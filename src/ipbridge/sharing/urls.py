from django.urls import path

from ipbridge.sharing.views import exports, guides, intelligence, reads, sellers

app_name = "sharing"

urlpatterns = [
    path("sharing/guides/", guides.guides, name="guides"),
    path("sharing/guides/new/", guides.guide_new, name="guide_new"),
    path("sharing/guides/<int:guide_id>/", guides.guide_detail, name="guide"),
    path("sharing/guides/<int:guide_id>/edit/", guides.guide_edit, name="guide_edit"),
    path("sharing/guides/<int:guide_id>/publish/", guides.guide_publish, name="guide_publish"),
    path("sharing/guides/<int:guide_id>/withdraw/", guides.guide_withdraw, name="guide_withdraw"),
    path("sharing/guides/<int:guide_id>/delete/", guides.guide_delete, name="guide_delete"),
    path("sharing/guides/<int:guide_id>/versions/<int:number>/", guides.guide_version, name="guide_version"),
    path("sharing/guides/<int:guide_id>/images/", guides.guide_image_add, name="guide_image_add"),
    path("sharing/guides/<int:guide_id>/images/<int:image_id>/", guides.guide_image, name="guide_image"),
    path(
        "sharing/guides/<int:guide_id>/images/<int:image_id>/remove/",
        guides.guide_image_remove,
        name="guide_image_remove",
    ),
    path("sharing/reads/", reads.reads, name="reads"),
    path("sharing/sellers/", sellers.sellers_list, name="sellers"),
    path("sharing/sellers/new/", sellers.seller_new, name="seller_new"),
    path("sharing/sellers/import/", sellers.sellers_import, name="sellers_import"),
    path("sharing/sellers/check/", sellers.check, name="check"),
    path("sharing/sellers/<int:seller_id>/edit/", sellers.seller_edit, name="seller_edit"),
    path("sharing/sellers/<int:seller_id>/end/", sellers.seller_end, name="seller_end"),
    path("sharing/sellers/<int:seller_id>/delete/", sellers.seller_delete, name="seller_delete"),
    path("sharing/export/", exports.export_page, name="export"),
    path("sharing/export/download/", exports.export_download, name="export_download"),
    path("sharing/intelligence/", intelligence.intelligence_page, name="intelligence"),
    path("sharing/intelligence/check/", intelligence.intelligence_check, name="intelligence_check"),
    path("sharing/intelligence/record/", intelligence.intelligence_record, name="intelligence_record"),
    path(
        "sharing/intelligence/records/<int:record_id>/withdraw/",
        intelligence.intelligence_withdraw,
        name="intelligence_withdraw",
    ),
]
