"""ASGI entry point: HTTP through Django (section images and stored model proposals through
their fronts), websockets through Channels, and the lifespan that runs the job sweeper. Every
HTTP request passes the body guard first, so no body is read that its endpoint would refuse."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellweb.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from annotations.asgi import SectionImageFront  # noqa: E402
from cellweb.jobs.sweeper import SweeperLifespan  # noqa: E402
from cellweb.routing import websocket_urlpatterns  # noqa: E402
from cellweb.upload_guard import RequestBodyGuard  # noqa: E402
from inference.asgi import ProposalFront  # noqa: E402

http_app = RequestBodyGuard(
    SectionImageFront(ProposalFront(django_asgi_app))
    if settings.SECTION_IMAGE_FRONT
    else django_asgi_app
)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # The job sweeper runs in the web process too, so a job whose worker died is noticed
        # even when no worker is alive.
        "lifespan": SweeperLifespan(),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
