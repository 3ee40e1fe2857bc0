"""The conda environment and pyproject.toml name the same dependencies; run.sh is the README's."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda_names == pip_names, (
        f"only in environment.yml: {sorted(conda_names - pip_names)}; only in pyproject.toml: {sorted(pip_names - conda_names)}"
    )


def test_gpu_extra_is_cupy_for_cuda_12_and_named_in_environment_yml():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [_name(r) for r in project["optional-dependencies"]["gpu"]] == ["cupy-cuda12x"]
    assert "cupy" in (ROOT / "environment.yml").read_text()


def test_readme_quick_start_is_the_two_run_sh_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(\./run\.sh \w+)", quick_start, flags=re.MULTILINE)
    assert commands == ["./run.sh demo", "./run.sh test"]
    assert "./run.sh test" in (ROOT / ".ci" / "run").read_text()
