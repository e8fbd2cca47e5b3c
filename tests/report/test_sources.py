"""Named source lines: a few lines around each, runs merged, missing files said plainly."""

from __future__ import annotations

from pathlib import Path

from aiodeadlock.model.location import Location
from aiodeadlock.report.places import short_names
from aiodeadlock.report.sources import excerpts, source_line


def numbered(count: int) -> str:
    return "".join(f"line {n}\n" for n in range(1, count + 1))


def test_lines_around_each_named_line(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(numbered(30), encoding="utf-8")
    (file,) = excerpts([(Location(str(path), 10), "waits"), (Location(str(path), 25), "took")])
    assert file.found and file.file == str(path)
    assert [[line.number for line in run] for run in file.runs] == [
        [8, 9, 10, 11, 12],
        [23, 24, 25, 26, 27],
    ]
    named = {line.number: line.notes for run in file.runs for line in run if line.notes}
    assert named == {10: ("waits",), 25: ("took",)}
    assert file.runs[0][2].text == "line 10"


def test_close_lines_share_one_run_and_the_file_edges_clip_it(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(numbered(8), encoding="utf-8")
    (file,) = excerpts(
        [
            (Location(str(path), 1), "a"),
            (Location(str(path), 5), "b"),
            (Location(str(path), 8), "c"),
        ]
    )
    assert [[line.number for line in run] for run in file.runs] == [[1, 2, 3, 4, 5, 6, 7, 8]]


def test_notes_on_one_line_are_merged_and_capped(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(numbered(3), encoding="utf-8")
    loc = Location(str(path), 2)
    named = [(loc, "same"), (loc, "same")] + [(loc, f"task {n}") for n in range(6)]
    (file,) = excerpts(named)
    notes = file.runs[0][1].notes
    assert notes == ("same", "task 0", "task 1", "and 4 more")


def test_a_missing_file_keeps_its_named_lines_without_text(tmp_path: Path) -> None:
    gone = str(tmp_path / "deleted.py")
    (file,) = excerpts([(Location(gone, 7), "waits here")])
    assert not file.found
    assert [(line.number, line.text, line.notes) for run in file.runs for line in run] == [
        (7, "", ("waits here",))
    ]
    assert source_line(Location(gone, 7)) == ""


def test_a_line_past_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "short.py"
    path.write_text("a = 1\n\tb = 2\n", encoding="utf-8")
    (file,) = excerpts([(Location(str(path), 2), "x"), (Location(str(path), 40), "edited?")])
    texts = {line.number: line.text for run in file.runs for line in run}
    assert texts[2] == "    b = 2"  # tabs expanded
    assert texts[40] == ""


def test_files_come_in_the_order_they_are_named(tmp_path: Path) -> None:
    first, second = tmp_path / "b.py", tmp_path / "a.py"
    for p in (first, second):
        p.write_text("x\n", encoding="utf-8")
    files = excerpts([(Location(str(first), 1), ""), (Location(str(second), 1), "")])
    assert [f.file for f in files] == [str(first), str(second)]


def test_short_names_are_the_shortest_unambiguous_tails() -> None:
    names = short_names(["/srv/app/jobs.py", "/srv/lib/jobs.py", "/srv/app/main.py", "x.py"])
    assert names == {
        "/srv/app/jobs.py": "app/jobs.py",
        "/srv/lib/jobs.py": "lib/jobs.py",
        "/srv/app/main.py": "main.py",
        "x.py": "x.py",
    }
    assert short_names(["C:\\work\\app.py"]) == {"C:\\work\\app.py": "app.py"}
    assert short_names(["<string>"]) == {"<string>": "<string>"}
