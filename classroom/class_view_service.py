"""The teacher's live view (cmd/class-view) as a JupyterHub service.

In jupyterhub_config.py:

    from class_view_service import class_view_service

    service, role = class_view_service(
        command=["/path/to/golessons/build/bin/class-view"],
        lessons=["/path/to/golessons/notebooks"],
        relay_usage_file="/path/to/class-relay-state/usage.json",
        relay_health_url="http://127.0.0.1:10101/services/class-relay/health",
    )
    c.JupyterHub.services.append(service)
    c.JupyterHub.load_roles.append(role)

Teachers (hub admins) then open <hub>/services/class-view/ (also listed in the
hub's Services menu). Students get 403: the hub refuses them (they have no
access to the service), and the view itself lets only hub admins in.

The service runs as the hub's own user (root on a classroom hub), which is
what lets it read the students' homes and the relay's usage file (mode 0600);
pass user= to run it as another user who may read both.
"""

import json
import os

__all__ = ["class_view_service"]


def class_view_service(
    command,
    lessons,
    *,
    name="class-view",
    url="http://127.0.0.1:10102",
    homes="/home/*",
    answers_paths=None,
    exclude_users=(),
    relay_usage_file="",
    relay_health_url="",
    requests_per_day=0,
    poll="2s",
    hub_poll="10s",
    user=None,
    environment=None,
):
    """Return (service, role) for c.JupyterHub.services and c.JupyterHub.load_roles.

    command: the class-view binary, as a list (["/opt/golessons/bin/class-view"]).
        Its config is passed in $CLASS_VIEW_CONFIG_JSON: no file to write.
    lessons: the lesson notebooks (files or folders) whose questions grade the
        answers: never the "correct" a student's answers file claims.
    url: where the service listens (the hub's proxy routes /services/<name>/ to it).
    homes: the students' home folders (a pattern); the student is the folder's name.
    answers_paths: where in a home the quiz widgets save, relative to the home,
        "*" matching one name (default: "<notebook>.answers.json" and
        "*/<notebook>.answers.json" for each lesson notebook).
    exclude_users: user names that are not students (hub admins never are).
    relay_usage_file: the class relay's <state_dir>/usage.json ("" shows no usage).
    relay_health_url: the class relay's health URL, for the queue ("" shows none).
    requests_per_day: the relay's student.requests_per_day (marks who reached it).
    user: the Unix user to run as (default: the hub's, i.e. root).
    environment: more environment variables for the service.
    """
    if isinstance(command, str):
        command = [command]
    if isinstance(lessons, str):
        lessons = [lessons]
    config = {
        "lessons": [os.path.abspath(p) for p in lessons],
        "homes": homes,
        "exclude_users": list(exclude_users),
        "relay": {
            "usage_file": relay_usage_file,
            "health_url": relay_health_url,
            "requests_per_day": int(requests_per_day),
        },
        "poll": poll,
        "hub_poll": hub_poll,
    }
    if answers_paths:
        config["answers_paths"] = list(answers_paths)
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
        "description": "Lets the class view see who is online",
        # GET /hub/api/users with each user's servers and last activity.
        "scopes": ["list:users", "read:users", "read:servers"],
        "services": [name],
    }
    return service, role
