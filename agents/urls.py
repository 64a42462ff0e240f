from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import two_factor_views, views

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/two-factor/", two_factor_views.manage, name="two-factor"),
    path("accounts/two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("accounts/two-factor/setup/", two_factor_views.setup, name="two-factor-setup"),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("accounts/two-factor/disable/", two_factor_views.disable, name="two-factor-disable"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
