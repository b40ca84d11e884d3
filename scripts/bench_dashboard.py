"""First render and asset weight of each dashboard page, in Chromium, against a running
`make run` (idle). Targets (issue 14): first render under 300 ms on loopback, each page's own
assets (HTML, CSS, JavaScript, icons; not the API answers or the images) under 200 KB.

    make run                      # one terminal
    make bench-dashboard          # another: signs in as the demo account

First render: from the start of navigation to the moment the page's module has drawn its
content (the `aitrain:rendered` performance mark), median of RUNS loads, cache disabled.
"""

import json
import os
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

URL = os.environ.get("AITRAIN_URL", "http://127.0.0.1:8080")
DEMO = Path(os.environ.get("AITRAIN_DATA_DIR", ".data")) / "demo-account.json"
RUNS = 7
PAGES = ["/training", "/training/new", "/text-to-image", "/credits", "/api-keys", "/webhooks"]


def measure(page, path: str) -> tuple[float, int]:
    page.goto(URL + path)
    page.wait_for_function("performance.getEntriesByName('aitrain:rendered').length > 0")
    rendered = page.evaluate("performance.getEntriesByName('aitrain:rendered')[0].startTime")
    weight = page.evaluate(
        """(own) => {
          const nav = performance.getEntriesByType('navigation')[0];
          const files = performance.getEntriesByType('resource').filter((r) => {
            const url = new URL(r.name);  // the platform's own files: not the API, not images
            return url.origin === location.origin && !url.pathname.startsWith('/v1/');
          });
          return nav.encodedBodySize + files.reduce((n, r) => n + r.encodedBodySize, 0);
        }"""
    )
    return rendered, weight


def main() -> None:
    demo = json.loads(DEMO.read_text())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context()
        page = context.new_page()
        page.route(
            "**/*",
            lambda route: route.continue_(
                headers={**route.request.headers, "Cache-Control": "no-cache"}
            ),
        )
        cdp = context.new_cdp_session(page)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        rows = [("/sign-in", *measure_many(page, "/sign-in"))]
        page.goto(URL + "/sign-in")
        form = page.locator("main form")
        form.get_by_label("Email").fill(demo["email"])
        form.get_by_label("Password").fill(demo["password"])
        form.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/training")
        rows += [(path, *measure_many(page, path)) for path in PAGES]
        browser.close()
    print(f"{'page':<16}{'first render (median ms)':>26}{'worst ms':>10}{'own assets KB':>15}")
    for path, median, worst, weight in rows:
        print(f"{path:<16}{median:>26.0f}{worst:>10.0f}{weight / 1024:>15.1f}")
    print(f"targets: first render < 300 ms, own assets < 200 KB; {RUNS} loads each, cache off")


def measure_many(page, path: str) -> tuple[float, float, int]:
    times, weight = [], 0
    for _ in range(RUNS):
        rendered, weight = measure(page, path)
        times.append(rendered)
    return statistics.median(times), max(times), weight


if __name__ == "__main__":
    main()
