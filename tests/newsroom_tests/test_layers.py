"""The layers point one way, checked from the source of every module (imports inside functions
included, since a function-level import hides a cycle rather than removing it):

- ``newsroom.core`` (links, paging, audit, API base classes, the page cache, optimistic locking,
  the usage protocol) imports no app and nothing of the ``newsroom`` above it;
- the apps import from ``newsroom`` only its core;
- ``claims`` never imports ``explainers``, and never names its fields or routes in strings;
- no two modules import each other, directly or round a longer loop.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("newsroom", "explainers", "claims")
APPS = ("explainers", "claims")
CORE = "newsroom.core"


@dataclass
class Graph:
    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> modules it imports
    strings: dict[str, list[str]] = field(default_factory=dict)  # module -> string constants


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_graph(root: Path, packages=PACKAGES) -> Graph:
    files = {
        module_name(root, path): path
        for package in packages
        for path in (root / package).rglob("*.py")
    }
    graph = Graph()
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                targets.update(_imported(module, path, node, files))
        graph.imports[module] = targets - {module}
        graph.strings[module] = _strings(tree)
    return graph


def _imported(module: str, path: Path, node, known) -> set[str]:
    """The project modules an import statement loads (``from x import y`` may load x.y)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")
            if path.name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # ``from package import module`` loads the module; ``from module import name`` the module.
        names = [
            f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in known else prefix
            for alias in node.names
        ]
    found = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def _strings(tree) -> list[str]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def package(module: str) -> str:
    return module.split(".")[0]


def in_core(module: str) -> bool:
    return module == CORE or module.startswith(CORE + ".")


def layer_violations(graph: Graph) -> list[str]:
    problems = []
    for module, targets in sorted(graph.imports.items()):
        for target in sorted(targets):
            if package(module) in APPS and package(target) == "newsroom" and not in_core(target):
                problems.append(f"{module} imports the top layer: {target}")
            if package(module) == "claims" and package(target) == "explainers":
                problems.append(f"{module} imports explainers: {target}")
            if in_core(module) and (package(target) in APPS or not in_core(target)):
                problems.append(f"{module} (core) imports {target}")
    return problems


# How claims would name explainers' fields, relations, routes or modules in a string (plain
# words such as "explainers" in help texts are the product's vocabulary, not a reference).
STORY_NAMES = re.compile(
    r"section_blocks?|\bsections?__|\bexplainers?__|explainer-(?:list|detail)|explainers[:.]"
)


def named_story_fields(graph: Graph) -> list[str]:
    return [
        f"{module} names {text!r}"
        for module, strings in sorted(graph.strings.items())
        if package(module) == "claims" and ".migrations." not in module
        for text in strings
        if STORY_NAMES.search(text)
    ]


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph.imports):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.imports[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph.imports:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.imports[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


@pytest.fixture(scope="module")
def project():
    return read_graph(ROOT)


def test_the_apps_import_only_the_core_of_newsroom_and_claims_never_imports_explainers(project):
    assert layer_violations(project) == []


def test_claims_never_names_the_fields_or_routes_of_explainers(project):
    assert named_story_fields(project) == []


def test_no_modules_import_each_other(project):
    assert cycles(project) == []


def test_the_core_exists_and_the_apps_use_it(project):
    assert any(in_core(target) for targets in project.imports.values() for target in targets)
    assert all(package(module) in PACKAGES for module in project.imports)


# The checks can fail: each rule broken once in a small tree of its own ----------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path):
    base = {
        "newsroom/__init__.py": "",
        "newsroom/urls.py": "from explainers import views\nfrom claims import views as fact_views\n",
        "newsroom/core/__init__.py": "",
        "newsroom/core/links.py": "import functools\n",
        "explainers/__init__.py": "",
        "explainers/views.py": "from newsroom.core.links import x\nfrom claims.models import Quote\n",
        "claims/__init__.py": "",
        "claims/models.py": "from newsroom.core import links\n",
        "claims/views.py": "from . import models\n",
    }
    return lambda **changes: read_graph(write(tmp_path, {**base, **changes}))


def test_a_clean_tree_passes_every_check(tree):
    graph = tree()
    assert layer_violations(graph) == []
    assert named_story_fields(graph) == []
    assert cycles(graph) == []


def test_an_app_importing_the_top_layer_is_caught_even_inside_a_function(tree):
    graph = tree(**{"claims/views.py": "def view():\n    from newsroom import urls\n"})
    assert layer_violations(graph) == ["claims.views imports the top layer: newsroom.urls"]


def test_claims_importing_explainers_is_caught(tree):
    graph = tree(**{"claims/views.py": "from explainers.views import thing\n"})
    assert layer_violations(graph) == ["claims.views imports explainers: explainers.views"]


def test_the_core_importing_an_app_is_caught(tree):
    graph = tree(**{"newsroom/core/links.py": "from claims import models\n"})
    assert layer_violations(graph) == ["newsroom.core.links (core) imports claims.models"]


def test_claims_naming_a_story_field_in_a_string_is_caught(tree):
    graph = tree(**{"claims/views.py": 'USAGE = "section_blocks"\nURL = "api:explainer-list"\n'})
    assert named_story_fields(graph) == [
        "claims.views names 'section_blocks'",
        "claims.views names 'api:explainer-list'",
    ]


def test_a_cycle_hidden_by_a_function_level_import_is_caught(tree):
    graph = tree(
        **{
            "explainers/models.py": "def publish():\n    from . import publishing\n",
            "explainers/publishing.py": "from .models import Explainer\n",
        }
    )
    assert cycles(graph) == [["explainers.models", "explainers.publishing"]]
