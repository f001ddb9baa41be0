"""The set-up itself: pinned versions agree, CI runs the README's command, notebooks have no outputs."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def lock_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def env_yml_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)==(\S+)\s*$", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def direct_deps() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return {_name(d) for d in deps}


def test_lock_pins_every_direct_dependency():
    lock = lock_pins(ROOT / "requirements-dev.lock")
    runtime = lock_pins(ROOT / "requirements.lock")
    missing = sorted(d for d in direct_deps() if d not in lock)
    assert not missing, f"requirements-dev.lock lacks {missing}: run `make lock`"
    # the runtime lock and the dev lock agree on every package they share
    differ = {k: (v, lock[k]) for k, v in runtime.items() if k in lock and lock[k] != v}
    assert not differ, f"requirements.lock and requirements-dev.lock disagree: {differ}"


def test_environment_yml_matches_the_lock():
    """environment.yml pins every package of requirements-dev.lock at the lock's version (and nothing else)."""
    lock = lock_pins(ROOT / "requirements-dev.lock")
    env = env_yml_pins()
    missing = sorted(direct_deps() - set(env))
    assert not missing, f"environment.yml does not list {missing}"
    not_in_env = sorted(set(lock) - set(env))
    assert not not_in_env, f"environment.yml lacks {len(not_in_env)} pin(s) of requirements-dev.lock: {not_in_env[:8]}; run `make lock`"
    drift = {k: (v, lock.get(k)) for k, v in env.items() if lock.get(k) != v}
    assert not drift, f"environment.yml pins differ from requirements-dev.lock (env, lock): {drift}"
    assert len(env) == len(lock) > 50


def test_environment_yml_is_what_make_lock_writes():
    """environment.yml is generated (scripts/environment_yml.py, run by `make lock`), not edited by hand."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("environment_yml", ROOT / "scripts" / "environment_yml.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    want = mod.render(ROOT / "requirements-dev.lock")
    assert (ROOT / "environment.yml").read_text(encoding="utf-8") == want, \
        "environment.yml differs from what `make lock` writes: run `python scripts/environment_yml.py`"
    makefile = (ROOT / "Makefile").read_text()
    lock_recipe = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/environment_yml.py" in lock_recipe, "`make lock` must regenerate environment.yml"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", ci, re.M), ".ci/run must run exactly `make test`"
    assert "make test" in readme and "make serve" in readme


# the dashboards (notebooks/*.ipynb) and the shipped research notebooks (notebooks/research/*.ipynb);
# notebooks/research/mine/ is the researchers' own (git-ignored) and not checked
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "research").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs or execution counts; clear them"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no dashboards"
