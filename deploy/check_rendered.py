"""Check `helm template` output of the Zero to JupyterHub chart with deploy/values.yaml
against what deploy/class-relay.yaml relies on. Used by deploy/lint.sh.

Usage: check_rendered.py RENDERED.yaml deploy/class-relay.yaml

- The teacher's key is nowhere in the chart's objects: no reference to the
  class-relay-key Secret, no OPENROUTER_API_KEY / OPENAI_API_KEY.
- The hub Secret holds hub.services.class-relay.apiToken (the relay's token),
  the hub's values register the class-relay service at the relay's Service.
- The Service "hub" serves port 8081 (the relay's JUPYTERHUB_API_URL).
- The labels the relay's NetworkPolicy selects are those of the chart's hub and
  proxy pods and of its singleuser NetworkPolicy; that policy lets students
  reach the relay's port, and no private IP range but for DNS.
"""
import base64
import sys

import yaml

KEY_SECRET = "class-relay-key"


def docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def find(objs, kind, name):
    for o in objs:
        if o.get("kind") == kind and o["metadata"]["name"] == name:
            return o
    raise AssertionError(f"the rendered chart has no {kind} {name}")


def main(rendered_path, relay_path):
    text = open(rendered_path, encoding="utf-8").read()
    objs = docs(rendered_path)
    relay = docs(relay_path)
    problems = []

    def check(ok, what):
        if not ok:
            problems.append(what)

    for word in (KEY_SECRET, "OPENROUTER_API_KEY", "OPENAI_API_KEY"):
        check(word not in text, f"{word} appears in the chart's objects: the key must reach the relay's pod only")

    secret = find(objs, "Secret", "hub")
    check("hub.services.class-relay.apiToken" in secret.get("data", {}),
          "the hub Secret has no hub.services.class-relay.apiToken (the relay's Deployment reads it)")
    values = yaml.safe_load(base64.b64decode(secret["data"]["values.yaml"]))
    services = values["hub"]["services"]
    check(services.get("class-relay", {}).get("url") == "http://class-relay:10101",
          "hub.services.class-relay.url is not the relay's Service (http://class-relay:10101)")

    hub_svc = find(objs, "Service", "hub")
    check(any(p.get("port") == 8081 for p in hub_svc["spec"]["ports"]), "the Service hub has no port 8081")

    def pod_labels(name):
        return find(objs, "Deployment", name)["spec"]["template"]["metadata"]["labels"]

    relay_np = next(o for o in relay if o["kind"] == "NetworkPolicy")
    selected = [p["podSelector"]["matchLabels"] for rule in relay_np["spec"]["ingress"] for p in rule["from"]]
    for labels, pods in ((pod_labels("hub"), "hub"), (pod_labels("proxy"), "proxy")):
        check(any(sel.items() <= labels.items() for sel in selected),
              f"the relay's NetworkPolicy selects no label set of the {pods} pod ({labels})")
    su_np = find(objs, "NetworkPolicy", "singleuser")
    su_labels = su_np["spec"]["podSelector"]["matchLabels"]
    check(any(sel.items() <= su_labels.items() for sel in selected),
          f"the relay's NetworkPolicy selects none of the students' pods' labels ({su_labels})")
    egress = su_np["spec"]["egress"]
    check(any(p.get("port") == 10101 and any(t.get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/name": "class-relay"}
                                              for t in rule.get("to", []))
              for rule in egress for p in rule.get("ports", [])),
          "students' pods may not reach the relay's port 10101")
    private = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    for rule in egress:
        ports = {p.get("port") for p in rule.get("ports", [])}
        for t in rule.get("to", []):
            cidr = t.get("ipBlock", {}).get("cidr")
            if cidr in private:
                check(ports == {53}, f"students' pods may reach {cidr} on ports {sorted(ports) or 'all'}")
    relay_deploy = next(o for o in relay if o["kind"] == "Deployment")
    hub_label = relay_deploy["spec"]["template"]["metadata"]["labels"].get("hub.jupyter.org/network-access-hub")
    hub_np = find(objs, "NetworkPolicy", "hub")
    check(any(p.get("podSelector", {}).get("matchLabels") == {"hub.jupyter.org/network-access-hub": "true"}
              for rule in hub_np["spec"]["ingress"] for p in rule.get("from", [])) and hub_label == "true",
          "the hub's NetworkPolicy does not let the relay's pod reach the hub API")

    if problems:
        for p in problems:
            print(f"check_rendered: {p}", file=sys.stderr)
        return 1
    print(f"check_rendered: {len(objs)} objects: the relay's assumptions hold, no key in the chart's objects")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
