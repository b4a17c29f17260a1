"""Packaging (issue 15): the sdist is complete and builds a wheel, the wheel holds what it should
(the compiled module stripped on Linux, py.typed, the demo corpus, the licence), the version is
written once, ``python -m cikuang`` runs.

No network: the sdist and the wheel are built here with ``--no-isolation`` (so this needs ``build``,
setuptools>=77 and Cython in this environment, else those tests skip with the reason), or taken from
$CIKUANG_SDIST and $CIKUANG_WHEEL, which .ci/run sets to the artifacts it has just built.
"""
from __future__ import annotations

import importlib.metadata
import importlib.resources
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import cikuang

ROOT = Path(__file__).resolve().parents[1]
IN_SOURCE_TREE = (ROOT / "pyproject.toml").is_file() and (ROOT / "src" / "cikuang").is_dir()
NUMPY_FLOOR = (2, 2, 1)  # numpy 2.2.0 and older crash in `cikuang count` (lexsort of StringDType, numpy#27984)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def _cannot_build() -> str:
    """Why this environment cannot build cikuang without a network ('' when it can)."""
    if importlib.util.find_spec("build") is None:
        return "needs the `build` package (pip install build 'setuptools>=77' cython)"
    try:
        if _version(importlib.metadata.version("setuptools")) < (77,):
            return "needs setuptools>=77 here to build without isolation (pip install 'setuptools>=77')"
        if _version(importlib.metadata.version("Cython")) < (3,):
            return "needs Cython>=3 here to build without isolation (pip install cython)"
    except importlib.metadata.PackageNotFoundError as e:
        return f"needs {e.name} to build without isolation (pip install build 'setuptools>=77' cython)"
    return ""


def _build(what: str, source: Path, outdir: Path) -> Path:
    cmd = [sys.executable, "-m", "build", f"--{what}", "--no-isolation", "--outdir", str(outdir), str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    (out,) = outdir.glob("*.tar.gz" if what == "sdist" else "*.whl")
    return out


@pytest.fixture(scope="session")
def sdist(tmp_path_factory) -> Path:
    """The sdist: $CIKUANG_SDIST, or built once from a copy of this source tree."""
    if os.environ.get("CIKUANG_SDIST"):
        return Path(os.environ["CIKUANG_SDIST"])
    if not IN_SOURCE_TREE:
        pytest.skip("not in a source tree (and no $CIKUANG_SDIST)")
    if why := _cannot_build():
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("sdist")
    tree = tmp / "tree"
    # a copy, so that the build leaves nothing in the tree; stray build products (*.so, the
    # generated _native.c) are copied too, so the MANIFEST.in rules that keep them out are tested
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", "build", "dist", ".hypothesis", ".pytest_cache", ".benchmarks",
        ".venv"))
    return _build("sdist", tree, tmp / "dist")


@pytest.fixture(scope="session")
def sdist_names(sdist) -> set[str]:
    with tarfile.open(sdist) as tar:
        names = {m.name for m in tar.getmembers() if m.isfile()}
    top = {n.split("/", 1)[0] for n in names}
    assert len(top) == 1, top
    return {n.split("/", 1)[1] for n in names}


@pytest.fixture(scope="session")
def wheel(sdist, tmp_path_factory) -> Path:
    """The wheel: $CIKUANG_WHEEL, or built from the unpacked sdist (as pip builds it from PyPI)."""
    if os.environ.get("CIKUANG_WHEEL"):
        return Path(os.environ["CIKUANG_WHEEL"])
    if why := _cannot_build():
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("wheel")
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "src", filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(tmp / "src")
    (unpacked,) = (tmp / "src").iterdir()
    return _build("wheel", unpacked, tmp / "dist")


def test_the_sdist_holds_the_cython_source_tests_docs_and_licence(sdist_names):
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "src/cikuang/_native.pyx",
                 "src/cikuang/py.typed", "src/cikuang/__main__.py", "src/cikuang/data/sanguo.txt.xz",
                 "tests/conftest.py", "tests/helpers.py", "tests/test_packaging.py", "tests/fixtures/story.txt",
                 "docs/architecture.md", "bench/README.md"):
        assert name in sdist_names, f"{name} is not in the sdist"
    stray = [n for n in sdist_names if n.endswith((".so", ".pyd", ".pyc")) or "__pycache__" in n
             or n == "src/cikuang/_native.c"]
    assert not stray, f"build products in the sdist: {stray}"


@pytest.mark.skipif(not (ROOT / ".git").exists() or shutil.which("git") is None, reason="needs a git checkout")
def test_the_sdist_holds_every_tracked_file_of_the_package_tests_docs_and_bench(sdist_names):
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "src", "tests", "docs", "bench"],
                             capture_output=True, text=True, check=True).stdout.split()
    missing = [n for n in tracked if n not in sdist_names and (ROOT / n).exists()]
    assert not missing, f"tracked but not in the sdist (MANIFEST.in): {missing}"


def test_the_wheel_built_from_the_sdist_holds_the_module_py_typed_data_and_licence(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = zf.read(metadata).decode()
        natives = [n for n in names if re.fullmatch(r"cikuang/_native\..*(so|pyd)", n)]
        assert len(natives) == 1, natives
        native = zf.read(natives[0])
    for name in ("cikuang/py.typed", "cikuang/__main__.py", "cikuang/data/sanguo.txt.xz",
                 "cikuang/data/spark-log4j2.properties"):
        assert name in names, f"{name} is not in the wheel"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.endswith((".pyx", ".c"))], "sources in the wheel"
    assert "License-Expression: MIT" in meta
    assert f"Version: {cikuang.__version__}\n" in meta
    if native[:4] == b"\x7fELF":  # Linux: built with -g0 and linked with --strip-all (1.8 MB unstripped)
        assert b".debug_info" not in native and b".symtab" not in native, "the module is not stripped"
        assert len(native) < 1_000_000, len(native)


def test_the_version_is_written_once():
    assert cikuang.__version__ == importlib.metadata.version("cikuang")
    if IN_SOURCE_TREE:
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
        assert not re.search(r"(?m)^version\s*=", project), "a second version in pyproject.toml"
        assert re.search(r'(?m)^dynamic\s*=\s*\[[^]]*"version"', project)
        assert 'version = { attr = "cikuang._version.__version__" }' in pyproject


@pytest.mark.skipif(not IN_SOURCE_TREE, reason="reads pyproject.toml")
def test_the_numpy_floor_is_one_that_works():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'"numpy>=([\d.]+)"', pyproject)
    assert floor and _version(floor.group(1)) >= NUMPY_FLOOR, floor and floor.group(0)
    import numpy as np

    assert _version(np.__version__) >= NUMPY_FLOOR


def test_py_typed_ships():
    assert importlib.resources.files("cikuang").joinpath("py.typed").is_file()


def test_python_m_cikuang(tmp_path):
    env = {**os.environ, "PYTHONSAFEPATH": "1"}
    done = subprocess.run([sys.executable, "-m", "cikuang", "--help"], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: cikuang") and "discover" in done.stdout
    done = subprocess.run([sys.executable, "-m", "cikuang", "--version"], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0 and done.stdout.strip() == f"cikuang {cikuang.__version__}"
    done = subprocess.run([sys.executable, "-m", "cikuang", "count", str(tmp_path / "missing.txt")],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 2 and "no such file" in done.stderr  # the exit code comes through


def test_importing_cikuang_main_runs_nothing():
    done = subprocess.run([sys.executable, "-c", "import cikuang.__main__"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
