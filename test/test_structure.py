"""The package's structure: layers import downwards only, no import cycle, ROS only in ros/,
no module reading another object's private fields, no module over about 300 lines. Every
import counts, including those inside functions and under ``TYPE_CHECKING``."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ml_dash_ros"
# layer -> the layers it may import (besides itself). Read top-down: each only looks down.
ALLOWED = {
    "__main__": {"cli"},
    "cli": {"errors", "mapping", "tools", "tracks", "tracks.api", "tracks.store", "root",
            "video"},
    "ros": {"errors", "convert", "mapping", "demo", "tracks", "tracks.api", "tracks.store",
            "video"},
    "demo": {"errors", "tools", "tracks", "tracks.api", "tracks.store"},
    "tools": {"errors", "convert", "mapping", "tracks", "tracks.api", "tracks.ingest",
              "tracks.store", "video"},
    "mapping": {"errors", "convert", "tracks.ingest", "tracks.store", "video"},
    # Cameras as video (PyAV): written by the recorder and the bag import, read by the CLI;
    # it stores through the Track API's files and reads frames through its tracks.
    "video": {"errors", "tracks", "tracks.api", "tracks.store"},
    # the recording pipeline (convert/) sits above the Track API (DESIGN.md, section 2)
    "convert": {"errors", "tracks", "tracks.api", "tracks.ingest", "tracks.store"},
    "root": {"errors", "convert", "tracks", "tracks.api"},
    "tracks": {"tracks.api", "tracks.ingest", "tracks.store"},
    "tracks.api": {"errors", "tracks.ingest", "tracks.store"},
    "tracks.ingest": {"errors", "tracks.store"},
    "tracks.store": {"errors"},
    "errors": set(),
}
ROS_PACKAGES = ("rclpy", "rosidl_runtime_py", "launch", "launch_ros", "builtin_interfaces",
                "rcl_interfaces", "std_srvs")
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make"}


def _modules() -> dict:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list:
    """Return [(imported module or package, line)] of every import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full if full in MODULES else base, node.lineno))
    return out


def _internal(target: str):
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    if parts[1] == "tracks" and len(parts) > 2 and parts[2] in ("api", "ingest", "store"):
        return f"tracks.{parts[2]}"
    return parts[1]


GRAPH = {name: {dep for target, _ in _imports(name, path)
                if (dep := _internal(target)) and dep != name}
         for name, path in MODULES.items()}


def test_every_module_belongs_to_a_known_layer():
    assert {_layer(m) for m in MODULES} <= set(ALLOWED)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down_the_layers(module):
    layer = _layer(module)
    wrong = sorted(dep for dep in GRAPH[module]
                   if _layer(dep) != layer and _layer(dep) not in ALLOWED[layer])
    assert wrong == [], f"{module} ({layer}) imports {wrong}"


def test_there_is_no_import_cycle():
    state: dict = {}
    stack: list = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(GRAPH[node]):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep):] + [dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for module in sorted(MODULES):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m) != "ros"))
def test_ros_is_imported_only_in_the_ros_layer(module):
    ros = [target for target, _ in _imports(module, MODULES[module])
           if target.split(".")[0] in ROS_PACKAGES or target.split(".")[0].endswith("_msgs")]
    assert ros == [], f"{module} imports {ros}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_reads_another_objects_private_fields(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    reads = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr.startswith("_")
             and not node.attr.startswith("__") and node.attr not in NAMEDTUPLE_API
             and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))]
    assert reads == []


# "Every module under about 300 lines with one job": the largest today are the recorder node
# and the bag import, each a little over 300 after their parts moved out.
MAX_LINES = 325


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_is_small(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by job"


def test_the_checks_see_a_cycle_and_a_layer_breach(tmp_path):
    """The rules above fail on what they forbid (here: made-up modules)."""
    GRAPH["ml_dash_ros.tracks.store.fake"] = {"ml_dash_ros.tracks.api.fake"}
    GRAPH["ml_dash_ros.tracks.api.fake"] = {"ml_dash_ros.tracks.store.fake"}
    MODULES["ml_dash_ros.tracks.store.fake"] = MODULES["ml_dash_ros.tracks.api.fake"] = \
        tmp_path / "fake.py"
    try:
        with pytest.raises(pytest.fail.Exception, match="import cycle"):
            test_there_is_no_import_cycle()
        with pytest.raises(AssertionError, match="imports"):
            test_imports_only_go_down_the_layers("ml_dash_ros.tracks.store.fake")
    finally:
        for name in ("ml_dash_ros.tracks.store.fake", "ml_dash_ros.tracks.api.fake"):
            GRAPH.pop(name)
            MODULES.pop(name)
