from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [path("profile/", views.profile, name="profile")]

administration_urlpatterns = (
    [
        path("", views.user_list, name="index"),
        path("users/new/", views.user_create, name="user-create"),
        path("users/<int:user_id>/", views.user_detail, name="user"),
        path("users/<int:user_id>/active/", views.user_set_active, name="user-set-active"),
        path("memberships/<int:membership_id>/remove/", views.membership_remove, name="membership-remove"),
    ],
    "administration",
)
