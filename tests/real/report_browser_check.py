"""Checks one report page as Chromium rendered it (issue 16): its DOM (`--dump-dom`), its
console log (`--enable-logging=stderr`) and its screenshot, against the results folder's CSVs.

Usage: report_browser_check.py FOLDER DOM CONSOLE SCREENSHOT CHART...
Prints one line per failed check and `FOLDER: N cells checked` on success; exits 1 on failure.
"""
import csv
import sys
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image


class Page(HTMLParser):
    """Collects charts (section data-chart -> SVG element count), table cells and heat-map cells
    with their source, and every URL the page would load."""

    def __init__(self):
        super().__init__()
        self.charts = {}
        self.chart = None
        self.svg_depth = 0
        self.file = None
        self.key = None
        self.cell = None
        self.cells = []
        self.urls = []
        self.svg_cells = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href"):
            if name in a and not a[name].startswith("#"):
                self.urls.append(a[name])
        if tag in ("script", "link", "iframe", "img", "object", "embed"):
            self.urls.append(f"<{tag}>")
        if tag == "section" and "data-chart" in a:
            self.chart = a["data-chart"]
            self.charts[self.chart] = 0
        if tag == "svg":
            self.svg_depth += 1
        elif self.svg_depth and self.chart:
            self.charts[self.chart] += 1
        if tag == "table" and "data-file" in a:
            self.file = a["data-file"]
        if tag == "tr" and "data-key" in a:
            self.key = a["data-key"]
        if tag == "g" and "data-col" in a and "data-file" in a:
            # A heat-map cell: its source is on the element itself (its shown text is rounded
            # for the drawing; the table below checks the text).
            self.cells.append([a["data-file"], a.get("data-key", ""), a["data-col"],
                               a.get("data-raw", ""), ""])
            self.svg_cells += 1
        if tag == "td" and "data-col" in a:
            self.cell = [self.file, self.key, a["data-col"], a.get("data-raw", ""), ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth -= 1
        if tag == "section":
            self.chart = None
        if tag == "td" and self.cell:
            self.cells.append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[4] += data


def main():
    folder, dom, console, shot = (Path(p) for p in sys.argv[1:5])
    expected = sys.argv[5:]
    failures = []
    page = Page()
    page.feed(dom.read_text(encoding="utf-8"))

    # 1. No console error, no uncaught exception, nothing loaded from elsewhere.
    for line in console.read_text(encoding="utf-8", errors="replace").splitlines():
        if "CONSOLE" in line and ("ERROR" in line or "Uncaught" in line):
            failures.append(f"console: {line.strip()}")
        if "Page load failed" in line or "net::ERR_" in line:
            failures.append(f"load: {line.strip()}")
        if "Uncaught" in line:
            failures.append(f"uncaught exception: {line.strip()}")
    for url in page.urls:
        failures.append(f"the page loads {url}")

    # 2. Every expected chart is in the DOM with a drawing in it.
    for chart in expected:
        n = page.charts.get(chart)
        if n is None:
            failures.append(f"no chart {chart} (charts: {sorted(page.charts)})")
        elif n < 5:
            failures.append(f"chart {chart} has an empty drawing ({n} SVG elements)")

    # 3. The page's numbers are the CSVs': each cell's data-raw is the CSV cell of the row its key
    #    names, and the shown text is that number rounded.
    tables = {}
    index = {}
    for file, key, col, raw, text in page.cells:
        if file not in tables:
            with open(folder / file, newline="", encoding="utf-8") as f:
                tables[file] = list(csv.DictReader(f))
        want = dict(kv.split("=", 1) for kv in key.split("\x1f")) if key else {}
        cols = tuple(want)
        if (file, cols) not in index:
            by_key = index[(file, cols)] = {}
            for r in tables[file]:
                by_key.setdefault(tuple(r.get(k) for k in cols), []).append(r)
        rows = index[(file, cols)].get(tuple(want.values()), [])
        if len(rows) != 1:
            failures.append(f"{file} {want}: {len(rows)} rows match")
            continue
        if rows[0].get(col) != raw:
            failures.append(f"{file} {want} {col}: page {raw!r}, CSV {rows[0].get(col)!r}")
            continue
        if raw and text:
            decimals = len(text.split(".")[1]) if "." in text else 0
            if abs(float(text) - float(raw)) > 0.5 * 10 ** -decimals + 1e-12:
                failures.append(f"{file} {want} {col}: shows {text}, CSV {raw}")
    if len(page.cells) < 10:
        failures.append(f"only {len(page.cells)} number cells on the page")

    # 4. The screenshot is not blank: many colours, a fair share of non-white pixels.
    im = Image.open(shot).convert("RGB")
    small = im.resize((im.width // 4, im.height // 4))
    colours = small.getcolors(maxcolors=1 << 20) or []
    ink = sum(n for n, c in colours if c != (255, 255, 255)) / (small.width * small.height)
    if len(colours) < 20 or ink < 0.03:
        failures.append(f"the screenshot looks blank: {len(colours)} colours, {ink:.1%} ink")

    for f in failures:
        print(f"{folder.name}: FAILED: {f}")
    if failures:
        sys.exit(1)
    drawn = f" ({page.svg_cells} in drawings)" if page.svg_cells else ""
    print(f"{folder.name}: {len(expected)} charts, {len(page.cells)} cells{drawn} checked against the CSVs, "
          f"{len(colours)} colours")


if __name__ == "__main__":
    main()
