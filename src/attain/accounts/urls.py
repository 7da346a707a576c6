"""URLs of the accounts pages (mounted at /accounts/) and the home page (``home_urlpatterns``, mounted at /)."""

from django.urls import path

from attain.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]

# The root URLconf includes these without a namespace: ``path("", include(home_urlpatterns))``, so the name
# stays ``home`` (LOGIN_REDIRECT_URL and every template use it).
home_urlpatterns = [
    path("", views.home, name="home"),
]
