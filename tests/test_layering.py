"""Imports point one way: each layer of the package imports only layers below it (MMPose's
order: the model, then engine and utilities, then inference, then the tools' shared code), and
nothing in the package imports the repository's benchmarks/ or tests/."""
import ast
import importlib
import os
import os.path as osp
from typing import Dict, Iterator, List, Tuple

import pytest

from .conftest import REPO

PACKAGE = osp.join(REPO, 'tokenpose_mm')
# layer of each top-level part of the package: a module may import its own layer and lower ones
LAYERS: Dict[str, int] = {
    'version': 0, 'config_zoo': 0, 'utils': 0,  # checkpoint reading, used by models' pretrained
    'models': 1, 'visualization': 1,
    'engine': 2, 'converters': 2,
    'apis': 3,  # inference only
    'analysis': 4, 'deploy': 4,  # use apis' image and batch helpers
    'cli': 5,  # the tools' shared code
    '__init__': 6,  # the package itself registers models, engine, visualization
}
OUTSIDE = ('tests', 'benchmarks', 'tools')  # never imported from the package


def part_of(path: str, root: str = PACKAGE) -> str:
    """The top-level part (``apis``, ``models``, ...) of a module file of the package."""
    rel = osp.relpath(path, root).split(os.sep)
    return osp.splitext(rel[0])[0]


def imported_names(path: str, root: str = PACKAGE) -> Iterator[Tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    package = ['tokenpose_mm', *osp.relpath(osp.dirname(path), root).split(os.sep)]
    package = [p for p in package if p != '.']
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = '.'.join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ''
            if node.level and not node.module:  # ``from . import engine``: each name a module
                for alias in node.names:
                    yield node.lineno, f'{module}.{alias.name}'
            else:
                yield node.lineno, module


def upward_imports(root: str = PACKAGE) -> List[str]:
    """``file:line imports X`` for each import of a higher layer or of tests/benchmarks/tools."""
    found = []
    for folder, _, files in os.walk(root):
        for name in sorted(f for f in files if f.endswith('.py')):
            path = osp.join(folder, name)
            part = part_of(path, root)
            layer = LAYERS[part]
            for line, module in imported_names(path, root):
                parts = module.split('.')
                where = f'{osp.relpath(path, root)}:{line} imports {module}'
                if parts[0] in OUTSIDE:
                    found.append(f'{where} (outside the package)')
                elif parts[0] == 'tokenpose_mm' and len(parts) > 1:
                    target = LAYERS.get(parts[1])
                    if target is None:
                        found.append(f'{where} (no layer known for {parts[1]!r})')
                    elif target > layer:
                        found.append(f'{where} (layer {target} above {part}, {layer})')
    return found


def test_every_part_of_the_package_has_a_layer():
    parts = {osp.splitext(n)[0] for n in os.listdir(PACKAGE)
             if n.endswith('.py') or osp.isfile(osp.join(PACKAGE, n, '__init__.py'))}
    assert parts == set(LAYERS)


def test_no_module_imports_a_higher_layer():
    assert upward_imports() == []


@pytest.mark.parametrize('part', sorted(p for p in LAYERS if p != '__init__'),
                         ids=lambda p: p)
def test_each_layer_imports(part):
    importlib.import_module(f'tokenpose_mm.{part}')


def test_an_upward_import_is_found(tmp_path):
    """The check itself: a copy of the package with one upward import (utils -> apis) fails."""
    import shutil
    copy = tmp_path / 'tokenpose_mm'
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns('__pycache__'))
    with open(copy / 'utils' / 'weights.py', 'a') as f:
        f.write('\nfrom ..apis import load_image  # noqa\n')
    with open(copy / 'apis' / 'images.py', 'a') as f:
        f.write('\nimport tests.conftest  # noqa\n')
    found = upward_imports(str(copy))
    assert len(found) == 2, found
    assert any(f.startswith('utils/weights.py:') and 'imports tokenpose_mm.apis (layer 3 above '
               'utils, 0)' in f for f in found)
    assert any('imports tests.conftest (outside the package)' in f for f in found)
