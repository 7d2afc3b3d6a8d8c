"""Tiny real training runs on the bundled COCO sample (TokenPose-S-v1 with one encoder layer)."""
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from mmengine.config import Config
from mmengine.runner import Runner

from tokenpose_mm.apis.runner_cfg import load_config

from ..conftest import REPO, config_path

TINY_CONFIG = config_path('tokenpose/coco/td-hm_tokenpose-s-v1_1xb8-80e_coco-tiny-256x192.py')

# one encoder layer, 4 of the 12 people in batches of 2 (2 iterations per epoch), validation on
# 4 people, a checkpoint every epoch, deterministic
TINY_OPTIONS: Dict[str, object] = {
    'model.arch.depth': 1,
    'train_cfg.max_epochs': 2,
    'train_cfg.val_interval': 1,
    'train_dataloader.batch_size': 2,
    'train_dataloader.dataset.indices': 4,
    'val_dataloader.dataset.indices': 4,
    'default_hooks.checkpoint.interval': 1,
    'default_hooks.checkpoint.save_best': None,
    'randomness.seed': 0,
    'randomness.deterministic': True,
}


def tiny_cfg(work_dir: Path, options: Optional[dict] = None, validate: bool = False,
             config: str = TINY_CONFIG) -> Config:
    """The tiny config with ``options`` merged; validation off unless ``validate``."""
    # a visualizer of its own: MMEngine reuses a named instance, with the save_dir of its first run
    cfg = load_config(config, {**TINY_OPTIONS, 'work_dir': str(work_dir),
                               'visualizer.name': f'visualizer:{work_dir}', **(options or {})})
    if not validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    return cfg


def tiny_runner(work_dir: Path, options: Optional[dict] = None, validate: bool = False) -> Runner:
    return Runner.from_cfg(tiny_cfg(work_dir, options, validate))


def cli_options(options: Optional[dict] = None) -> List[str]:
    """``--cfg-options`` arguments for the tools, as a user would type them."""
    merged = {**TINY_OPTIONS, **(options or {})}
    return ['--cfg-options', *(f'{k}={v}' for k, v in merged.items())]


def train_command(work_dir: Path, *extra: str, options: Optional[dict] = None) -> List[str]:
    return [sys.executable, os.path.join(REPO, 'tools', 'train.py'), TINY_CONFIG,
            '--work-dir', str(work_dir), '--no-validate', *extra, *cli_options(options)]


def tool_env() -> Dict[str, str]:
    """The same thread count in every child, so that runs compare bit for bit."""
    return {**os.environ, 'PYTHONPATH': REPO, 'OMP_NUM_THREADS': '2', 'MKL_NUM_THREADS': '2'}


def run_tool(command: List[str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, env=tool_env(), capture_output=True, text=True,
                          timeout=timeout)
