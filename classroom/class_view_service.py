"""The teacher's live view (cmd/class-view) as a JupyterHub service.

In jupyterhub_config.py:

    from class_view_service import class_view_service

    service, role = class_view_service(
        command=["/path/to/golessons/build/bin/class-view"],
        url="http://127.0.0.1:10102",
        config={
            "lessons": ["/path/to/golessons/notebooks"],
            "relay": {"url": "http://127.0.0.1:10101/services/class-relay/"},
        },
    )
    c.JupyterHub.services.append(service)
    c.JupyterHub.load_roles.append(role)

config is the class view's own JSON config, passed as it is: its fields and
their defaults are written once, in Go (classview.Config; the list is in the
classview package documentation, `go doc ./classview`). Leave out what the
class does not change.

Teachers (hub admins) then open <hub>/services/class-view/ (also listed in the
hub's Services menu). Students get 403: the hub refuses them (they have no
access to the service), and the view itself lets only hub admins in.

The service runs as the hub's own user (root on a classroom hub), which is
what lets it read the students' homes; pass user= to run it as another user
who may read them. It asks the class relay for the usage and the limits with
its own token, which its role lets read the users (read:users).
"""

import json

__all__ = ["class_view_service"]


def class_view_service(command, config, *, url, name="class-view", user=None, environment=None):
    """Return (service, role) for c.JupyterHub.services and c.JupyterHub.load_roles.

    command: the class-view binary, as a list (["/opt/golessons/bin/class-view"]).
    config: the class view's config (a dict, classview.Config's JSON), passed in
        $CLASS_VIEW_CONFIG_JSON: no file to write. It needs "lessons".
    url: where the service listens (the hub's proxy routes /services/<name>/ to it).
    user: the Unix user to run as (default: the hub's, i.e. root).
    environment: more environment variables for the service.
    """
    if isinstance(command, str):
        command = [command]
    service = {
        "name": name,
        "url": url,
        "command": list(command),
        "environment": {**(environment or {}), "CLASS_VIEW_CONFIG_JSON": json.dumps(config)},
        # The hub's OAuth client for the service; these are JupyterHub's
        # defaults, written out because the class view checks them.
        "oauth_client_id": f"service-{name}",
        "oauth_redirect_uri": f"/services/{name}/oauth_callback",
        # An in-house page for the hub's own admins: no "authorize" page.
        "oauth_no_confirm": True,
        "display": True,
        "info": {"description": "The teacher's live view of the class (hub admins only)"},
    }
    if user:
        service["user"] = user
    role = {
        "name": f"{name}-service",
        "description": "Lets the class view see who is online, and the class relay's usage",
        # GET /hub/api/users with each user's servers and last activity; the
        # relay's GET usage answers a token holding read:users.
        "scopes": ["list:users", "read:users", "read:servers"],
        "services": [name],
    }
    return service, role
