from django.urls import path

from . import views

app_name = "promotion"

urlpatterns = [
    path("promote/<str:source>/<str:application_id>", views.promote, name="promote"),
    path("promotions/<int:pk>/", views.promotion_result, name="result"),
    path("<str:application_id>/promotions", views.promotion_links, name="links"),
    path(
        "<str:application_id>/promotions/<int:pk>/apply",
        views.differences_apply,
        name="apply",
    ),
]
