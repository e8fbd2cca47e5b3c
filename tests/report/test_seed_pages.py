"""The seed programs' HTML reports, opened in headless Chromium the way a person would read them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import png_pixels
import pytest
from page_dom import Element, parse
from report_schema import assert_valid_report

from aiodeadlock.model.report import Report

SEED = Path(__file__).resolve().parent / "../../../shared/examples/seed"
SEEDS = [
    "s1_self_lock",
    "s2_self_lock_nested_call",
    "s3_mutual_await",
    "s4_lock_order",
    "s5_orphaned_lock",
]
RUN_TIMEOUT = 60
BROWSER_TIMEOUT = 120
WINDOW = (1200, 1600)
#: Where to keep the screenshots (to look at them); a temporary directory when unset.
KEEP = os.environ.get("AIODEADLOCK_SCREENSHOTS")

LIGHT_BACKGROUND, DARK_BACKGROUND = (255, 255, 255), (13, 17, 23)
LIGHT_CYCLE, DARK_CYCLE = (207, 34, 46), (255, 123, 114)
LIGHT_TASK_FILL, LIGHT_RESOURCE_FILL = (221, 244, 255), (255, 248, 197)


def find_chromium() -> str | None:
    names = [os.environ.get("AIODEADLOCK_CHROMIUM", ""), "chromium", "chromium-browser"]
    names += ["google-chrome", "google-chrome-stable"]
    return next((found for name in names if name and (found := shutil.which(name))), None)


CHROMIUM = find_chromium()
#: Set (as CI does) to fail rather than skip when Chromium or Graphviz is missing.
REQUIRE_TOOLS = bool(os.environ.get("AIODEADLOCK_REQUIRE_TOOLS"))
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_TOOLS,
    reason="headless Chromium is not installed (apt-get install -y chromium), "
    "so the HTML report cannot be opened in a browser",
)


@dataclass(frozen=True)
class SeedReport:
    name: str
    program: Path
    data: dict[str, Any]
    page: Path  # the HTML report, written by `aiodeadlock report --format html`

    @property
    def finding(self) -> dict[str, Any]:
        (definite,) = [f for f in self.data["findings"] if f["definite"]]
        return definite


def aiodeadlock(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiodeadlock", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module", params=SEEDS)
def seed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SeedReport:
    program = (SEED / f"{request.param}.py").resolve()
    if not program.is_file():
        pytest.skip("seed programs not available")
    work = tmp_path_factory.mktemp(request.param)
    saved = work / "report.json"
    run = aiodeadlock("run", "--format", "json", "--output", saved, program, cwd=work)
    assert run.returncode == 3, f"expected a deadlock (exit 3)\n{run.stdout}\n{run.stderr}"
    page = work / "report.html"
    done = aiodeadlock("report", saved, "--format", "html", "--output", page, cwd=work)
    assert done.returncode == 0, done.stderr
    data = Report.loads(saved.read_text(encoding="utf-8")).to_json()
    return SeedReport(request.param, program, data, page)


def test_the_seed_report_matches_the_schema(seed: SeedReport) -> None:
    assert_valid_report(seed.data)
    assert seed.finding["message"]


@pytest.fixture
def profile() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="adl-chromium-") as directory:
        yield Path(directory)


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "Chromium is not installed (AIODEADLOCK_REQUIRE_TOOLS is set)"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        *args,
        page.as_uri(),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def screenshot(seed: SeedReport, profile: Path, scheme: str) -> Path:
    directory = Path(KEEP) if KEEP else profile
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{seed.name}-{scheme}.png"
    dark = ["--force-dark-mode"] if scheme == "dark" else []
    chromium(seed.page, profile / "screenshot", *dark, f"--screenshot={path}")
    assert path.is_file(), "Chromium wrote no screenshot"
    return path


def expected_names(seed: SeedReport) -> tuple[set[str], set[str]]:
    """The task and lock names the drawing must show: the cycle's, or, without a cycle,
    those of the finding's wait-for edges."""
    finding = seed.finding
    tasks = {t["id"]: t for t in finding["tasks"]}
    keys = set(finding["cycle"])
    if not keys:
        keys = {e["waiter"] for e in finding["edges"]} | {e["holder"] for e in finding["edges"]}
    waited = {e["resource"] for e in finding["edges"] if e["waiter"] in keys}
    locks = {
        r["name"]
        for r in finding["resources"]
        if r["id"] in waited and "Lock" in r["type"] and r["name"]
    }
    return {tasks[k]["name"] for k in keys if k in tasks}, locks


def named_lines(seed: SeedReport) -> set[int]:
    """The lines of the program that the finding's wait-for edges name."""
    lines = set()
    for edge in seed.finding["edges"]:
        for loc in (edge["wait_at"], edge["since"]):
            if loc and Path(loc["file"]).resolve() == seed.program:
                lines.add(loc["line"])
    return lines


def definite_article(dom: Element) -> Element:
    (article,) = [a for a in dom.all("article", "finding") if "definite" in a.classes]
    return article


@needs_chromium
def test_the_browser_shows_the_cycle_its_locks_and_lines(seed: SeedReport, profile: Path) -> None:
    dumped = chromium(seed.page, profile, "--dump-dom").stdout
    dom = parse(dumped)
    article = definite_article(dom)
    assert article.one("p", "verdict").text() == seed.finding["message"]

    svg = article.one("svg", "graph")
    drawn = [t.text() for t in svg.all("text")]
    tasks, locks = expected_names(seed)
    assert tasks, "the finding names no task"
    assert tasks <= set(drawn), f"tasks {tasks} not all drawn in {drawn}"
    assert locks <= set(drawn), f"locks {locks} not all drawn in {drawn}"
    if seed.finding["cycle"]:
        on_cycle = {g.attrs["data-key"] for g in svg.all("g", "node") if "cycle" in g.classes}
        assert set(seed.finding["cycle"]) <= on_cycle

    lines = named_lines(seed)
    assert lines, "the finding names no line of the program"
    source = seed.program.read_text(encoding="utf-8").splitlines()
    rows = {
        r.all("td")[0].text(): r.all("td")[1].text()
        for r in article.one("section", "sources").all("tr")
        if "named" in r.classes
    }
    for line in lines:
        assert f"{seed.program.name}:{line}" in drawn, f"line {line} not on an arrow: {drawn}"
        assert rows.get(str(line)) == source[line - 1], f"line {line} not quoted"


@needs_chromium
def test_the_screenshot_shows_the_drawing(seed: SeedReport, profile: Path) -> None:
    image = png_pixels.read(screenshot(seed, profile, "light"))
    assert (image.width, image.height) == WINDOW
    assert image.pixel(3, 3) == LIGHT_BACKGROUND
    colors = image.colors(step=2)
    assert len(colors) > 50, "the page looks blank"
    for wanted, what in [(LIGHT_CYCLE, "the red of the deadlock"), (LIGHT_TASK_FILL, "a task")]:
        assert near(wanted, colors), f"no {what} on the screenshot"
    if expected_names(seed)[1]:
        assert near(LIGHT_RESOURCE_FILL, colors), "no lock drawn on the screenshot"


@needs_chromium
@pytest.mark.parametrize("seed", ["s4_lock_order"], indirect=True)  # one seed is enough
def test_dark_mode(seed: SeedReport, profile: Path) -> None:
    image = png_pixels.read(screenshot(seed, profile, "dark"))
    assert image.pixel(3, 3) == DARK_BACKGROUND
    colors = image.colors(step=2)
    assert near(DARK_CYCLE, colors), "the cycle is not highlighted in dark mode"
    assert not near(LIGHT_TASK_FILL, colors), "light colours left in dark mode"


def near(color: tuple[int, int, int], colors: set[tuple[int, int, int]], slack: int = 3) -> bool:
    return any(all(abs(a - b) <= slack for a, b in zip(color, c, strict=True)) for c in colors)
