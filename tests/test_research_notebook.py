"""The research notebook teaches: public API only, prose between cells, charts through db.plot_*, quarters
in date order; it lives apart from the served dashboards, with a git-ignored folder for one's own work."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
RESEARCH = ROOT / "notebooks" / "research"
NB = RESEARCH / "10_research.ipynb"
ALLOWED_IMPORTS = {"pandas", "shiwu_lib", "json", "tempfile", "pathlib", "datetime", "math"}


def _nb():
    return nbformat.read(NB, as_version=4)


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_lives_in_research_not_with_the_dashboards():
    assert NB.is_file()
    assert not (ROOT / "notebooks" / "10_research.ipynb").exists(), "the research notebook moved to notebooks/research/"
    assert (RESEARCH / "mine" / "README.md").is_file()
    from shiwu_lib import serve

    assert all(p.parent == ROOT / "notebooks" and p.name.startswith("0") for p in serve.dashboards())


def test_own_work_is_git_ignored():
    try:
        out = subprocess.run(["git", "check-ignore", "-q", "notebooks/research/mine/my_analysis.ipynb"], cwd=ROOT)
        readme = subprocess.run(["git", "check-ignore", "-q", "notebooks/research/mine/README.md"], cwd=ROOT)
    except FileNotFoundError:
        pytest.skip("git not installed")
    assert out.returncode == 0, "notebooks/research/mine/* must be git-ignored"
    assert readme.returncode == 1, "the README of notebooks/research/mine/ is committed"


def test_public_api_only():
    """No dashboard internals (views, charts, fmt), no private attributes, no raw connection."""
    for src in _code(_nb()):
        tree = ast.parse(src)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    assert a.name.split(".")[0] in ALLOWED_IMPORTS and a.name != "shiwu_lib.views", a.name
            elif isinstance(node, ast.ImportFrom):
                assert node.module and node.module.split(".")[0] in ALLOWED_IMPORTS - {"shiwu_lib"}, \
                    f"from {node.module} import …: use `import shiwu_lib as sw` and the Database methods"
            elif isinstance(node, ast.Attribute):
                assert node.attr != "con", "db.con is the raw connection: use db.sql()"
                assert not (node.attr.startswith("_") and not node.attr.startswith("__")), f"private .{node.attr}"


def test_prose_between_cells_and_questions():
    nb = _nb()
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown"
    run = 0
    for k in kinds:
        run = run + 1 if k == "code" else 0
        assert run <= 2, "at most two code cells in a row: say what the next one shows"
    heads = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert len(heads) >= 5
    for c in nb.cells:
        if c.cell_type == "markdown":
            assert len(c.source) < 1600, "keep the prose short"


def test_charts_through_public_helpers_and_no_label_ordering():
    text = "\n".join(_code(_nb()))
    for helper in ("plot_lights", "plot_trajectory", "plot_ranking", "plot_pace"):
        assert f"db.{helper}(" in text
    assert not re.search(r"period_label\"\]\.(max|min)\(|sort_values\(\"(quarter|period_label)\"", text), \
        "order quarters and periods by their dates, not by their labels"


def test_stored_without_outputs():
    dirty = [i for i, c in enumerate(_nb().cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty


def test_executes_headless_with_quarters_in_date_order(built_db):
    nb = _nb()
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(RESEARCH)}})
    client.execute(env=dict(os.environ, SHIWU_DB=str(built_db), PYTHONWARNINGS="default"))
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outs if o.get("output_type") == "error"]
    stderr = [o.get("text", "") for o in outs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not stderr, stderr[:2]
    figs = [o["data"]["application/vnd.plotly.v1+json"] for o in outs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figs) >= 4, "the four charts are drawn"
    text = "".join(o.get("text", "") for o in outs if o.get("output_type") == "stream")
    assert "与排名表一致： True" in text, "the hand-made lead-unit table agrees with db.ranking"

    import shiwu_lib as sw

    with sw.open(built_db) as db:
        want = [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in db.report_dates()]
    timeline = [f for f in figs if (f.get("layout", {}).get("xaxis", {}) or {}).get("categoryarray")]
    assert timeline, "the light timeline has an explicit quarter order"
    got = timeline[0]["layout"]["xaxis"]["categoryarray"]
    assert got == want, f"quarters out of date order: {got}"
    assert all("示例数据" in json.dumps(f, ensure_ascii=False) for f in figs), "every chart of demo values carries 示例数据"


def test_dashboard_server_does_not_serve_research_notebooks():
    """`shiwu serve` must neither list notebooks/research/ nor render anything under it (even a 0*.ipynb
    a researcher saved in mine/). Needs the serve.py change named in the issue-14 report."""
    from shiwu_lib import serve

    argv = serve.voila_argv(port=1, host="127.0.0.1", preheat=False)
    if "--ContentsManager.hide_globs=research" not in argv:
        pytest.xfail("serve.py does not hide notebooks/research/ yet (issue 13 helper's file)")


def test_readme_researcher_snippets_run_and_agree(built_db, tmp_path, monkeypatch):
    """The README's researcher block runs as printed, and what the prose says about it holds."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For researchers", 1)[1].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    block = block.replace("notebooks/research/mine/pkg-2025Q4", str(tmp_path / "pkg")).replace(".show()", "")
    monkeypatch.setenv("SHIWU_DB", str(built_db))
    ns: dict = {}
    exec(compile(block, "README.md", "exec"), ns)   # noqa: S102 - our own README
    db = ns["db"]
    now = db.status(as_of="2025Q4").set_index("target_id").loc["p01-5y-03"]
    then = db.status(as_of="2025Q4", known_at="2025-12-31").set_index("target_id").loc["p01-5y-03"]
    stored = db.sql("SELECT latest_actual FROM out_target_status WHERE report_date = '2025-12-31' "
                    "AND target_id = 'p01-5y-03'").iloc[0, 0]
    assert f"{now.latest_actual:.1f}亿元 ({now.latest_period}" in section
    assert f"{then.latest_actual:.1f}亿元 ({then.latest_period}" in section
    assert now.latest_actual == pytest.approx(stored)
    assert (tmp_path / "pkg" / "datapackage.json").is_file()
    from shiwu_lib.errors import InputError

    for call, shown in ((lambda: db.status(as_of="2025Q9"), "as_of='2025Q9'"),
                        (lambda: db.trajectory("nope"), "target_id='nope'")):
        with pytest.raises(InputError) as e:
            call()
        msg = str(e.value)
        assert msg.split(" (")[0] in section or msg in section, msg
        assert shown in section
    db.close()
