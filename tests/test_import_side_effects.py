"""``import tokenpose_mm`` only registers modules: warning filters, MMEngine's checkpoint loader
schemes, its file backends, torch's weights-only allow-list and every name MMPose and MMEngine
registered before stay as they were; ``tokenpose_mm.setup_env()`` is what changes them."""
import json
import subprocess
import sys

import pytest

from .conftest import REPO

# run in a fresh interpreter: this test process has called setup_env() (tests/conftest.py)
PROBE = r'''
import json, sys, warnings
import mmcv.cnn, mmengine.runner, mmpose.models, mmpose.visualization  # what the package imports
import torch
from mmengine.fileio.backends.registry_utils import backends
from mmengine.registry import HOOKS as ENGINE_HOOKS
from mmengine.runner.checkpoint import CheckpointLoader
from mmpose.registry import HOOKS, MODELS, VISUALIZERS


def state():
    return dict(
        filters=[repr(f) for f in warnings.filters],
        schemes={k: f'{v.__module__}.{v.__qualname__}'
                 for k, v in CheckpointLoader._schemes.items()},
        backends={k: f'{v.__module__}.{v.__qualname__}' for k, v in backends.items()},
        safe_globals=sorted(repr(g) for g in torch.serialization.get_safe_globals()),
        registered={f'{r.scope}.{r.name}.{k}': f'{v.__module__}.{v.__qualname__}'
                    for r in (MODELS, HOOKS, VISUALIZERS, ENGINE_HOOKS)
                    for k, v in r.module_dict.items()})


before = state()
import tokenpose_mm
imported = state()
tokenpose_mm.setup_env()
print(json.dumps(dict(before=before, imported=imported, set_up=state())))
'''


@pytest.fixture(scope='module')
def states() -> dict:
    """The process state before and after ``import tokenpose_mm``, and after ``setup_env()``."""
    result = subprocess.run([sys.executable, '-c', PROBE], capture_output=True, text=True,
                            cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_changes_nothing_but_adds_its_own_registrations(states):
    before, imported = states['before'], states['imported']
    for key in ('filters', 'schemes', 'backends', 'safe_globals'):
        assert imported[key] == before[key], key
    # nothing MMPose or MMEngine registered was replaced; ours are added under new names
    assert {k: imported['registered'][k] for k in before['registered']} == before['registered']
    added = {k: v for k, v in imported['registered'].items() if k not in before['registered']}
    assert 'mmpose.model.TokenPoseNeck' in added and 'mmpose.hook.AtomicCheckpointHook' in added
    assert all(v.startswith('tokenpose_mm.') for v in added.values()), added


def test_setup_env_is_the_one_call_that_sets_the_process_up(states):
    imported, set_up = states['imported'], states['set_up']
    assert len(set_up['filters']) > len(imported['filters'])  # known library warnings
    assert set_up['schemes'][''] == 'tokenpose_mm.utils.environment.load_from_local'
    assert imported['schemes'][''] != set_up['schemes']['']
    assert any('HistoryBuffer' in g for g in set_up['safe_globals'])
    assert not any('HistoryBuffer' in g for g in imported['safe_globals'])
