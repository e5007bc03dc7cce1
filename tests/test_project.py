"""The project's own wiring: dependencies in step, the README's commands, CI."""

import re

import tomllib
import yaml

from grader import REPO

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*$")


def _parse(requirements):
    parsed = {}
    for line in requirements:
        name, spec = REQUIREMENT.match(line).groups()
        parsed[name.lower().replace("_", "-")] = spec.replace(" ", "")
    return parsed


def test_environment_yml_names_the_same_packages_and_bounds_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    environment = yaml.safe_load((REPO / "environment.yml").read_text("utf-8"))
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))

    expected = _parse(project["dependencies"] + project["optional-dependencies"]["dev"])
    expected["python"] = project["requires-python"]
    expected["pip"] = ""
    assert _parse(conda) == expected
    assert environment["channels"] == ["conda-forge"]
    assert pip == ["-e ."], "the package itself comes from the pip section"


def test_readme_quick_start_is_the_two_make_commands():
    readme = (REPO / "README.md").read_text("utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", quick_start, flags=re.MULTILINE)
    assert commands == ["lab", "test"]


def test_ci_runs_the_readme_test_command():
    lines = [line for line in (REPO / ".ci" / "run").read_text("utf-8").splitlines()
             if line and not line.startswith("#")]
    assert lines[-1] == "make test"


def test_gitignore_keeps_runtime_state_out():
    ignored = (REPO / ".gitignore").read_text("utf-8").split()
    for entry in [".venv/", "__pycache__/", ".ipynb_checkpoints/", "gradebook.db",
                  "grader/out/", "submitted/", "autograded/", "feedback/", "release/"]:
        assert entry in ignored


def test_the_graders_module_map_lists_exactly_its_modules():
    import grader

    mapped = re.findall(r"^    - ``(\w+)``:", grader.__doc__, flags=re.MULTILINE)
    files = {path.stem for path in (REPO / "grader").glob("*.py")} - {"__init__",
                                                                      "nbgrader_config"}
    assert sorted(mapped) == sorted(files) and len(mapped) == len(set(mapped))
