"""Shared paths and builders. Tests use real MMPose/MMEngine pieces and the bundled sample data."""
import os
import os.path as osp
from typing import Optional

import pytest
import torch

import tokenpose_mm
from tokenpose_mm.config_zoo import VARIANT_CONFIGS

# the process as the tools set it up (warning filters, weights-only checkpoint loading with the
# size check); tests/test_import_side_effects.py checks that importing alone changes nothing
tokenpose_mm.setup_env()
if os.environ.get('PYTEST_XDIST_WORKER'):
    # `make test` runs two pytest-xdist workers on two cores: one torch thread each
    torch.set_num_threads(1)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA = osp.join(REPO, 'tests', 'data')
COCO_TINY = osp.join(DATA, 'coco_tiny')
MPII_TINY = osp.join(DATA, 'mpii_tiny')
CONFIGS = osp.join(REPO, 'configs')
# outputs of the official implementation (random weights), bundled so every clone runs the
# equivalence tests; see tests/data/official_tokenpose/README.md
REFERENCE = osp.join(DATA, 'official_tokenpose')

COCO_CONFIGS = VARIANT_CONFIGS  # variant -> config path under configs/


def config_path(name: str) -> str:
    return osp.join(CONFIGS, COCO_CONFIGS.get(name, name))


def build_model(config: str, cfg_options: Optional[dict] = None, checkpoint: Optional[str] = None):
    """A model through MMPose's own ``init_model`` (config file -> registry -> weights)."""
    from mmpose.apis import init_model
    return init_model(config_path(config), checkpoint, device='cpu', cfg_options=cfg_options)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def reference(name: str) -> str:
    path = osp.join(REFERENCE, name)
    if not osp.exists(path):
        pytest.fail(f'official reference fixture missing from the checkout: {path}')
    return path


def write_mpii_headboxes(path: str) -> str:
    """A ``headboxes_src`` .mat for the MPII sample, as MpiiDataset reads for PCKh.

    The sample has no head boxes; each box is the square whose vertical side joins the annotated
    upper neck (joint 8) and head top (joint 9). Data the test makes, written to ``path``.
    """
    import json

    import numpy as np
    from scipy.io import savemat
    anns = json.load(open(osp.join(MPII_TINY, 'test_mpii.json')))
    boxes = np.zeros((2, 2, len(anns)))
    for i, ann in enumerate(anns):
        (nx, ny), (tx, ty) = ann['joints'][8], ann['joints'][9]
        side = max(np.hypot(tx - nx, ty - ny), 1.)
        cx = (nx + tx) / 2
        boxes[:, :, i] = [[cx - side / 2, min(ny, ty)], [cx + side / 2, min(ny, ty) + side]]
    savemat(path, {'headboxes_src': boxes})
    return path


def sample_data_options(config: str, work_dir: str, batch_size: int = 2,
                        num_samples: Optional[int] = None) -> dict:
    """cfg_options pointing a COCO or MPII config at the bundled real samples (no workers)."""
    is_mpii = 'mpii' in osp.basename(config_path(config))
    root = MPII_TINY if is_mpii else COCO_TINY
    ann = 'test_mpii.json' if is_mpii else 'test_coco.json'
    dataset = {'data_root': root + '/', 'ann_file': ann, 'data_prefix': {'img': ''}}
    if num_samples is not None:
        dataset['indices'] = num_samples
    val_dataset = dict(dataset)
    if is_mpii:
        val_dataset['headbox_file'] = write_mpii_headboxes(osp.join(work_dir, 'headboxes.mat'))
    else:
        val_dataset['bbox_file'] = None
    options = {'work_dir': work_dir, 'default_hooks.logger.interval': 1,
               'default_hooks.checkpoint.save_best': None}
    for split, ds in (('train', dataset), ('val', val_dataset), ('test', val_dataset)):
        options[f'{split}_dataloader'] = {'batch_size': batch_size, 'num_workers': 0,
                                          'persistent_workers': False, 'dataset': ds}
    if not is_mpii:
        options['val_evaluator'] = options['test_evaluator'] = {
            'type': 'CocoMetric', 'ann_file': osp.join(root, ann)}
    return options


def converted_s_v1(root, extra: str = ''):
    """Our S-v1 config at the official fixture's depth 3 (plus ``extra`` config lines) in
    ``root``, and the official fixture converted for it: (config, checkpoint, eval model)."""
    from tokenpose_mm.converters import convert_official_checkpoint
    config = osp.join(str(root), 'tokenpose-s-v1-depth3.py')
    with open(config, 'w') as f:
        f.write(f"_base_ = [{config_path('s-v1')!r}]\nmodel = dict(arch=dict(depth=3))\n{extra}")
    checkpoint = osp.join(str(root), 'converted.pth')
    model = convert_official_checkpoint(reference('tokenpose_s_v1_depth3.pth'), config, checkpoint)
    return config, checkpoint, model.eval()


def run_tool(folder: str, name: str, argv) -> int:
    """``tools/<folder>/<name>.py`` run as its command line does: ``run_cli(main)`` (a bad
    input is one ``error:`` line on stderr and status 1)."""
    from tokenpose_mm.cli import run_cli
    module = load_tool(folder, name)
    return run_cli(lambda: module.main([str(a) for a in argv]))


def load_tool(folder: str, name: str):
    """The module ``tools/<folder>/<name>.py`` (tools are scripts, not a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, 'tools', folder, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# `make test` (pytest-xdist, --dist loadgroup): a file's tests run in one worker, so its module
# fixtures are built once and test_bad_inputs' table sees every message; the files below hold
# independent, slow cases (a training step per config) and are spread over the workers.
SPREAD_FILES = ('test_training.py', 'test_dataset_configs.py')


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        group = item.nodeid if item.path.name in SPREAD_FILES else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))
