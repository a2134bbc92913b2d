"""Measures the notification pipeline through the gateway (run by scripts/bench-notify and scripts/bench).

    bench_notify.py GATEWAY MAILDIR LATENCY_COUNT BURST_COUNT [RATE]

latency: a comment's POST until its email is in the SMTP sink's maildir (the file's mtime), each
comment on an article of its own so that its email is told apart by the subject; one at a time,
or RATE comments per second when RATE is given. throughput: a burst of BURST_COUNT comments,
emails per second from the first email of the burst to the last (skipped when 0).
"""
import email
import email.header
import json
import os
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

gateway, mail_dir = sys.argv[1], sys.argv[2]
latency_count, burst_count = int(sys.argv[3]), int(sys.argv[4])
rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0


def call(method, path, body=None, token=None):
    request = urllib.request.Request(gateway + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Token " + token)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def register(name):
    suffix = str(time.time_ns())
    user = {"username": name + suffix, "email": f"{name}{suffix}@example.com", "password": "bench-" + suffix}
    return call("POST", "/api/users", {"user": user})["user"]


def mail_files():
    found = {}
    for folder in ("new", "cur"):
        path = os.path.join(mail_dir, folder)
        if os.path.isdir(path):
            for name in os.listdir(path):
                full = os.path.join(path, name)
                found[name] = full
    return found


def subject_of(path):
    with open(path, "rb") as handle:
        message = email.message_from_binary_file(handle)
    return "".join(
        part.decode(charset or "utf-8") if isinstance(part, bytes) else part
        for part, charset in email.header.decode_header(message["Subject"] or "")
    )


def wait_for_subject(known, suffix, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name, path in mail_files().items():
            if name not in known and subject_of(path).endswith(suffix):
                return name, path
        time.sleep(0.002)
    raise SystemExit(f"error: no email about {suffix!r} within {timeout}s")


def wait_for_new(known, count, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        current = mail_files()
        new = {k: v for k, v in current.items() if k not in known}
        if len(new) >= count:
            return new
        time.sleep(0.002)
    raise SystemExit(f"error: only {len(new)} of {count} emails arrived within {timeout}s")


writer, reader = register("writer"), register("reader")
slug = call("POST", "/api/articles", {"article": {"title": "Notify bench", "description": "d", "body": "b"}}, writer["token"])["article"]["slug"]
wait_for_new(set(), 2, 60)  # both welcome emails: the pipeline is running
known = set(mail_files())

latencies = []
if rate > 0:
    # Comments at a steady rate, each on an article of its own, made beforehand.
    titles = [f"Latency probe {n} {time.time_ns()}" for n in range(latency_count)]
    probes = [call("POST", "/api/articles", {"article": {"title": t, "description": "d", "body": "b"}}, writer["token"])["article"]["slug"] for t in titles]
    print(f"    {latency_count} articles made; commenting at {rate:g}/s", file=sys.stderr)
    started = {}
    def comment(n):
        started[titles[n]] = time.time()
        call("POST", f"/api/articles/{probes[n]}/comments", {"comment": {"body": f"latency {n}"}}, reader["token"])
    with ThreadPoolExecutor(max_workers=32) as pool:
        begin = time.time()
        for n in range(latency_count):
            delay = begin + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            pool.submit(comment, n)
    pending = dict(started)
    deadline = time.time() + 300
    while pending and time.time() < deadline:
        for name, path in mail_files().items():
            if name in known:
                continue
            known.add(name)
            subject = subject_of(path)
            for title in list(pending):
                if subject.endswith(title):
                    latencies.append((os.stat(path).st_mtime - pending.pop(title)) * 1000)
                    break
        time.sleep(0.05)
    if pending:
        raise SystemExit(f"error: {len(pending)} of {latency_count} emails did not arrive")
else:
    for n in range(latency_count):
        # An article of its own, so that this comment's email is told apart by its subject.
        title = f"Latency probe {n} {time.time_ns()}"
        probe = call("POST", "/api/articles", {"article": {"title": title, "description": "d", "body": "b"}}, writer["token"])["article"]["slug"]
        started = time.time()
        call("POST", f"/api/articles/{probe}/comments", {"comment": {"body": f"latency {n}"}}, reader["token"])
        name, path = wait_for_subject(known, title, 30)
        latencies.append((os.stat(path).st_mtime - started) * 1000)
        known.add(name)
        if (n + 1) % 50 == 0:
            print(f"    {n + 1}/{latency_count} comments measured", file=sys.stderr)

quantiles = statistics.quantiles(latencies, n=100)
mode = f"{rate:g}/s" if rate > 0 else "one at a time"
print(f"| comment POST → email at the sink ({latency_count}, {mode}) | p50 {quantiles[49]:.1f} ms | p99 {quantiles[98]:.1f} ms | max {max(latencies):.1f} ms |")
if burst_count == 0:
    sys.exit(0)

print(f"    burst of {burst_count} comments", file=sys.stderr)
time.sleep(1)
known = set(mail_files())  # what the latency phase left behind is not part of the burst
with ThreadPoolExecutor(max_workers=16) as pool:
    list(pool.map(lambda n: call("POST", f"/api/articles/{slug}/comments", {"comment": {"body": f"burst {n}"}}, reader["token"]), range(burst_count)))
new = wait_for_new(known, burst_count, 600)
times = sorted(os.stat(path).st_mtime for path in new.values())
rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else float("nan")

print(f"| burst of {burst_count} comments → emails | {rate:.1f} emails/s | {len(times)} emails | |")
