"""Every notebook in notebooks/ runs headless (nbclient, a fresh kernel) against the built store.

Dashboards must not error, must not print to stderr (warnings would show on a Voila page as an
stderr block) and must build their widgets without the Chinese error state; the research notebook
must run top to bottom.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
# the dashboards (notebooks/0*.ipynb, served by Voila) and the research notebooks (notebooks/research/,
# JupyterLab only; notebooks/research/mine/ holds researchers' own work and is not run)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "research").glob("*.ipynb"))
DASHBOARDS = {"01_overview.ipynb", "02_project.ipynb", "03_midpoint.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(ROOT / "notebooks").as_posix() for p in NOTEBOOKS])
def test_notebook_executes(path, built_db):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    env = dict(os.environ, SHIWU_DB=str(built_db), PYTHONWARNINGS="default")
    env.pop("VOILA_PREHEAT", None)
    client.execute(env=env)

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    stderr = [o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not stderr, f"{path.name} wrote to stderr (would show on the page): {stderr[:2]}"

    if path.name in DASHBOARDS:
        views_shown = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert views_shown, f"{path.name}: no widget displayed"
        state = json.dumps(nb.metadata.get("widgets", {}), ensure_ascii=False)
        assert "shiwu-page" in state, f"{path.name}: the page header is missing from the widget state"
        assert 'data-error=\\"true\\"' not in state, f"{path.name}: the page shows its error state"
        assert "application/vnd.plotly.v1+json" in state, f"{path.name}: no chart drawn"
        if path.name == "01_overview.ipynb":
            assert state.count('data-project=\\"') >= 10, "overview: fewer than ten project cards"
