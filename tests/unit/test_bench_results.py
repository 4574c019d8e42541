"""bench/RESULTS.md is written by three tools and by hand: each tool replaces only its section."""
from bench import run


def test_each_tool_replaces_only_its_section(tmp_path, monkeypatch):
    results = tmp_path / "RESULTS.md"
    monkeypatch.setattr(run, "RESULTS", results)
    run.write_results_section("pages", "pages, first run")
    results.write_text(results.read_text() + "\n## What was found\n\nwritten by hand\n")
    run.write_results_section("collab-load", "collab, first run")
    run.write_results_section("pages", "pages, second run")
    text = results.read_text()
    assert text.startswith("# Benchmark results\n")
    assert "pages, first run" not in text
    assert text.index("pages, second run") < text.index("written by hand") < text.index(
        "collab, first run")
    assert text.count("<!-- pages: start -->") == text.count("<!-- pages: end -->") == 1
    assert "<!-- pages: end -->\n\n## What was found" in text  # sections stay apart
