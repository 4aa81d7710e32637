from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from cellweb import api_docs

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Signed-in users only, like the API itself (README, "API documentation").
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs.swagger_ui, name="api-docs"),
    path("api/redoc/", api_docs.redoc, name="api-redoc"),
    path("", include("annotations.urls")),
    path("", include("inference.urls")),
]

# Under /api/ even an address no view matches (a non-numeric id) answers in the API's JSON shape.
handler400 = "cellweb.api.handler.bad_request"
handler403 = "cellweb.api.handler.permission_denied"
handler404 = "cellweb.api.handler.page_not_found"
handler500 = "cellweb.api.handler.server_error"
