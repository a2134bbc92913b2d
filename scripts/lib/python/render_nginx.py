#!/usr/bin/env python3
"""Renders deploy/nginx/nginx.conf.template.

  render_nginx.py native STATE PORT REPLICAS BASE_PORTS  the native stack's config (printed)
  render_nginx.py compose                                the root nginx.conf for docker compose (printed)
  render_nginx.py kubernetes                             deploy/kubernetes/base/gateway/nginx.conf (printed)

native: static upstreams on 127.0.0.1 with keep-alive. compose: no upstream blocks; every request
names its service (auth:8080, …), which nginx resolves through Docker's DNS (127.0.0.11, cached
5 s), so replicas added with `docker compose up --scale` receive requests without a reload.
kubernetes: one upstream per service naming its Service (posts:8080), with keep-alive; a Service's
cluster IP never changes, so nginx resolves it once at start-up and kube-proxy spreads the
connections over the ready replicas. keepalive_time bounds how long one connection stays with one
replica, so that replicas added by the autoscaler get their share within a minute.
BASE_PORTS is "auth=8100,posts=8200,comments=8300,notifier=8400,analytics=8600,web=8500".
"""
import os
import re
import sys

SERVICES = ["auth", "posts", "comments", "notifier", "analytics", "web"]
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
template = open(os.path.join(root, "deploy", "nginx", "nginx.conf.template")).read()
mode = sys.argv[1] if len(sys.argv) > 1 else ""

# Every response of the gateway, its own errors included, carries these (nginx drops a server's
# add_header in a location that has add_header of its own, so each location repeats them). A
# header whose value is empty is not added; the template's maps decide.
# CORS, on /api responses only: browsers' Conduit front ends call the API from other origins.
API_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Request-ID",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Expose-Headers": "X-Request-ID",
}
# The policies of JSON (nothing is to be sniffed, framed, scripted or given a referrer), on every
# response that does not bring its own: the pages web serves have theirs.
DEFAULT_POLICIES = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def variable(header):
    return "$gateway_" + header.lower().replace("-", "_")


RESPONSE_HEADERS = [f"add_header {name} {variable(name)} always;" for name in [*API_HEADERS, *DEFAULT_POLICIES]] + [
    "add_header X-Request-ID $request_id_final always;",
    # HIT, MISS, EXPIRED, UPDATING, REVALIDATED for reads the gateway's cache handled; absent otherwise.
    "add_header X-Cache-Status $upstream_cache_status always;",
]
HEADER_MAPS = "\n".join(
    [f'    map $is_api {variable(name)} {{\n        1 "{value}";\n        default "";\n    }}' for name, value in API_HEADERS.items()]
    + [
        f'    map $upstream_http_{name.lower().replace("-", "_")} {variable(name)} {{\n        "" "{value}";\n        default "";\n    }}'
        for name, value in DEFAULT_POLICIES.items()
    ]
)

# The pages' requests go to web. Its 503 page (a service it calls is down) is an answer, not a failed
# replica, so only a replica that cannot be reached or does not answer is skipped. When no replica
# answers, the gateway's own short HTML pages say so.
WEB_PROXY = """proxy_pass http://$web_backend;
proxy_next_upstream error timeout;
error_page 413 = @web_too_large;
error_page 429 = @web_too_many;
error_page 502 503 =503 @web_unavailable;
error_page 504 = @web_timed_out;"""
WEB_ERRORS = [
    ("web_too_large", 413, "Too large", "What you sent is larger than this site accepts."),
    ("web_too_many", 429, "Too many requests", "Wait a moment and try again."),
    ("web_unavailable", 503, "Temporarily unavailable", "Inkwell cannot answer right now. Try again in a moment."),
    ("web_timed_out", 504, "Temporarily unavailable", "Inkwell did not answer in time. Try again in a moment."),
]


def web_error_page(name, status, heading, message):
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{heading} · Inkwell</title></head><body><h1>{heading}</h1><p>{message}</p>"
        '<p><a href="/">Inkwell</a></p></body></html>'
    )
    lines = [f"location @{name} {{"] + ["    " + line for line in RESPONSE_HEADERS] + ['    default_type "text/html; charset=utf-8";']
    if status == 429:
        lines.append("    add_header Retry-After 1 always;")
    lines += [f"    return {status} '{html}';", "}"]
    return "\n".join("        " + line for line in lines)


if mode == "native":
    state, port, replicas, base_ports = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    bases = dict(item.split("=") for item in base_ports.split(","))
    upstreams = []
    for service in SERVICES:
        servers = "".join(
            f"        server 127.0.0.1:{int(bases[service]) + i} max_fails=1 fail_timeout=2s;\n" for i in range(1, replicas + 1)
        )
        # The idle connections an upstream keeps are shared by its servers: 32 per replica, or under
        # load a request for one replica found only another's idle connections, opened its own, and
        # the full cache closed one (a new connection every ~60 requests).
        upstreams.append(f"    upstream {service} {{\n{servers}        keepalive {32 * replicas};\n    }}\n")
    values = {
        "@GENERATED@": "Generated by scripts/stack from deploy/nginx/nginx.conf.template: edit the template, not this file.",
        "@PROCESS@": f"worker_processes 1;\npid {state}/nginx/nginx.pid;\nerror_log {state}/logs/nginx-error.log warn;\ndaemon on;",
        "@HTTP_PATHS@": "".join(
            f"    {kind}_temp_path {state}/nginx/tmp/{folder};\n"
            for kind, folder in [("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"), ("scgi", "scgi")]
        ),
        "@ACCESS_LOG@": f"    access_log {state}/logs/nginx-access.log json buffer=64k flush=1s;",
        "@API_CACHE_PATH@": f"{state}/nginx/cache",
        "@BACKENDS@": "".join(upstreams),
        "@LISTEN@": f"        listen 127.0.0.1:{port};",
        "@SET_BACKENDS@": "".join(f"        set ${service}_backend {service};\n" for service in SERVICES),
        "@OPENAPI@": os.path.join(root, "deploy", "nginx", "openapi.yml"),
        "@ACCOUNT_RATE@": os.environ.get("INKWELL_GATEWAY_ACCOUNT_RATE", "10r/s"),
        "@ACCOUNT_BURST@": os.environ.get("INKWELL_GATEWAY_ACCOUNT_BURST", "20"),
    }
elif mode == "compose":
    values = {
        "@GENERATED@": "Generated by scripts/lib/python/render_nginx.py compose from deploy/nginx/nginx.conf.template: edit the template, not this file.",
        "@PROCESS@": "worker_processes auto;\npid /tmp/nginx.pid;\nerror_log /dev/stderr warn;",
        "@HTTP_PATHS@": "",
        "@ACCESS_LOG@": "    access_log /dev/stdout json buffer=64k flush=1s;",
        "@API_CACHE_PATH@": "/tmp/api-cache",
        "@BACKENDS@": "    # Docker's DNS: scaled replicas are found without a reload.\n    resolver 127.0.0.11 valid=5s ipv6=off;\n",
        "@LISTEN@": "        listen 8080;",
        "@SET_BACKENDS@": "".join(f"        set ${service}_backend {service}:8080;\n" for service in SERVICES),
        "@OPENAPI@": "/etc/nginx/openapi.yml",
        "@ACCOUNT_RATE@": "10r/s",
        "@ACCOUNT_BURST@": "20",
    }
elif mode == "kubernetes":
    values = {
        "@GENERATED@": "Generated by scripts/lib/python/render_nginx.py kubernetes from deploy/nginx/nginx.conf.template: edit the template, not this file.",
        # The pod's CPU limit, not the node's core count (which `auto` would use), bounds the workers.
        "@PROCESS@": "worker_processes 2;\npid /tmp/nginx.pid;\nerror_log /dev/stderr warn;\ndaemon off;",
        # The root filesystem is read-only: temporary files go to the pod's /tmp (an emptyDir).
        "@HTTP_PATHS@": "".join(
            f"    {kind}_temp_path /tmp/{folder};\n"
            for kind, folder in [("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"), ("scgi", "scgi")]
        ),
        "@ACCESS_LOG@": "    access_log /dev/stdout json buffer=64k flush=1s;",
        # On the pod's /tmp (an emptyDir) too.
        "@API_CACHE_PATH@": "/tmp/api-cache",
        "@BACKENDS@": "".join(
            f"    upstream {service} {{\n        server {service}:8080;\n        keepalive 32;\n        keepalive_time 60s;\n    }}\n"
            for service in SERVICES
        ),
        "@LISTEN@": "        listen 8080;",
        "@SET_BACKENDS@": "".join(f"        set ${service}_backend {service};\n" for service in SERVICES),
        "@OPENAPI@": "/etc/nginx/inkwell/openapi.yml",
        "@ACCOUNT_RATE@": "10r/s",
        "@ACCOUNT_BURST@": "20",
    }
else:
    sys.exit(__doc__)

values["@RESPONSE_HEADERS@"] = "\n".join(RESPONSE_HEADERS)
values["@HEADER_MAPS@"] = HEADER_MAPS
values["@WEB_PROXY@"] = "\n".join("            " + line for line in WEB_PROXY.split("\n"))
values["@WEB_ERROR_PAGES@"] = "\n".join(web_error_page(*page) for page in WEB_ERRORS)


def substitute(match):
    # A value of several lines takes the indentation of the line it replaces.
    indent, key = match.group(1), match.group(2)
    return "\n".join(indent + line if line else line for line in values[key].split("\n"))


template = re.sub(r"^([ \t]*)(@RESPONSE_HEADERS@)$", substitute, template, flags=re.M)
for key, value in values.items():
    template = template.replace(key, value)
sys.stdout.write(template)
