"""Recording, and blocking, every request a browser makes that would leave this machine; the kernels' offline switch."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOCAL_HOSTS = {"127.0.0.1"}
"""The only host a page may reach: JupyterLab listens here."""
NO_NETWORK = "http://127.0.0.1:9"
"""A proxy nobody listens on: every HTTP(S) request a kernel makes through it is refused at once."""
OFFLINE = bool(os.environ.get("LLMFS_DATA_DIR"))
"""With a data folder the kernels get no network; without one they download, as a reader's would."""


@dataclass
class NetworkLog:
    """Every request a browser context made, and those that left this machine (which are blocked)."""

    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.requests.clear()
        self.external.clear()

    def watch(self, context) -> None:
        """Record each request and websocket of ``context``; abort any to a host off this machine."""

        def route(route) -> None:
            url = route.request.url
            if _leaves_machine(url):
                self.external.append(url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", route)
        context.on("request", lambda request: self.requests.append(request.url))

        def on_page(page) -> None:
            page.on("websocket", lambda ws: self.external.append(ws.url) if _leaves_machine(ws.url) else None)

        context.on("page", on_page)


def _leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "file", "chrome", "chrome-extension"):
        return False
    return parts.hostname not in LOCAL_HOSTS
