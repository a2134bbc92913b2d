#!/usr/bin/env python3
"""How late a read shows in analytics, through the gateway: reads an article (anonymously, so that
the gateway's cache may answer), then asks analytics for the article's reads until the read is
counted; prints p50/p99 of that delay over COUNT reads made one at a time. Before each read it
waits a random part of a second: reads made right after the previous one was counted would all
fall just after a batch was published, and each would wait a whole batch interval.

  bench_analytics.py GATEWAY_URL TOKEN SLUG COUNT
"""
import http.client
import json
import random
import sys
import time
import urllib.parse

gateway, token, slug, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
address = urllib.parse.urlsplit(gateway)
reader = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
author = http.client.HTTPConnection(address.hostname, address.port, timeout=30)


def counted():
    author.request("GET", f"/api/analytics/articles/{slug}?days=1", headers={"Authorization": f"Token {token}"})
    response = author.getresponse()
    body = response.read()
    if response.status != 200:
        return -1
    return json.loads(body)["articleAnalytics"]["totals"]["reads"]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


start_count = counted()
delays = []
hits = 0
random.seed(14)
for number in range(1, count + 1):
    time.sleep(random.random())
    started = time.monotonic()
    reader.request("GET", f"/api/articles/{slug}")
    response = reader.getresponse()
    response.read()
    if response.getheader("X-Cache-Status") == "HIT":
        hits += 1
    deadline = started + 60
    while counted() < start_count + number:
        if time.monotonic() > deadline:
            sys.exit(f"read {number} was not counted within 60 s")
        time.sleep(0.005)
    delays.append((time.monotonic() - started) * 1000)

print(f"read → counted in analytics, {count} reads one at a time ({hits} answered by the gateway's cache):")
print(f"  p50 {percentile(delays, 0.50):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms, max {max(delays):.0f} ms")
