"""Configs checked as a whole before anything runs (tokenpose_mm/engine/config_check.py): sizes
that disagree, loops, learning rates, ``save_best``; every problem on one line, all at once.
``bad_input_cases`` imports this module at its end and appends ``CONFIG_CASES`` to its
``CASES``; import that module, not this one."""
from pathlib import Path
from typing import List

from tokenpose_mm.cli import load_config

from ..conftest import config_path
from .bad_input_cases import Case
from .runner_utils import TINY_CONFIG

MPII_CONFIG = config_path('tokenpose/mpii/td-hm_tokenpose-l-d6_4xb16-300e_mpii-256x256.py')
HAND_CONFIG = config_path('tokenpose/onehand10k/td-hm_tokenpose-b_8xb64-210e_onehand10k-256x256.py')
WFLW_CONFIG = config_path('tokenpose/wflw/td-hm_tokenpose-b_8xb64-60e_wflw-256x256.py')


def _load(options: dict, config: str = TINY_CONFIG) -> str:
    """``load_config`` (what every tool runs first) with ``options``; the check raises."""
    load_config(config, options)
    return 'accepted: the config passed the check'


def _child(tmp: Path, text: str) -> str:
    """``load_config`` of a config in ``tmp`` that inherits the tiny COCO config."""
    path = tmp / 'child.py'
    path.write_text(f'_base_ = [{TINY_CONFIG!r}]\n{text}')
    return _load({}, str(path))


# a child config that sets a new codec for the head but keeps its parent's pipelines (they were
# computed from the parent's codec): the mistake of changing the input size in one place
_NEW_CODEC = ("codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), "
              "sigma=2, unbiased=True)\nmodel = dict(head=dict(decoder=codec))\n")

_CFG = 'Configs checked as a whole'
CONFIG_CASES: List[Case] = [
    Case(_CFG, 'a new codec (96x128) with the parent\'s pipelines (192x256)', 'load_config / tools',
         lambda t: _child(t, _NEW_CODEC),
         r"ConfigError: the config has \d+ problems:\n  - .*codec.input_size=\(96, 128\) differs "
         r"from train_dataloader.dataset.pipeline\[5\].input_size=\(192, 256\) \(TopdownAffine "
         r".*heatmap_size=\(48, 64\) differs from model.head.decoder.heatmap_size=\(24, 32\)"),
    Case(_CFG, 'model.head.decoder.input_size differs from the test pipeline\'s',
         'load_config / tools',
         lambda t: _load({'model.head.decoder.input_size': (144, 192)}),
         r"model.head.decoder.input_size=\(144, 192\) differs from "
         r"test_dataloader.dataset.pipeline\[2\].input_size=\(192, 256\) \(TopdownAffine of the "
         r"test pipeline\); expected the same \(w, h\)"),
    Case(_CFG, 'the codec heatmap (48x64) differs from the head\'s (24x32)', 'load_config / tools',
         lambda t: _load({'model.head.decoder.heatmap_size': (24, 32)}),
         r"train_dataloader.dataset.pipeline\[6\].encoder.heatmap_size=\(48, 64\) differs from "
         r"model.head.decoder.heatmap_size=\(24, 32\); expected the same"),
    Case(_CFG, 'model.neck.feature_size=(64.0, 48.0) (floats)', 'load_config / tools',
         lambda t: _load({'model.neck.feature_size': (64., 48.)}),
         r"ConfigError: config: model.neck.feature_size=\(64.0, 48.0\): expected two positive "
         r"ints \(h, w\)"),
    Case(_CFG, 'model.neck.feature_size=(64, 48, 1) (three numbers)', 'load_config / tools',
         lambda t: _load({'model.neck.feature_size': (64, 48, 1)}),
         r"model.neck.feature_size=\(64, 48, 1\): expected two positive ints"),
    Case(_CFG, 'train_cfg.max_epochs=1.5', 'load_config / tools',
         lambda t: _load({'train_cfg.max_epochs': 1.5}),
         r"ConfigError: config: train_cfg.max_epochs=1.5: expected a positive int"),
    Case(_CFG, 'train_cfg.max_epochs=[1]', 'load_config / tools',
         lambda t: _load({'train_cfg.max_epochs': [1]}),
         r"train_cfg.max_epochs=\[1\]: expected a positive int"),
    Case(_CFG, 'train_cfg.max_epochs=0', 'load_config / tools',
         lambda t: _load({'train_cfg.max_epochs': 0}),
         r"train_cfg.max_epochs=0: expected a positive int \(0 trains nothing and writes no "
         r"checkpoint\)"),
    Case(_CFG, 'train_cfg.val_interval=0', 'load_config / tools',
         lambda t: _load({'train_cfg.val_interval': 0}),
         r"ConfigError: config: train_cfg.val_interval=0: expected an int >= 1"),
    Case(_CFG, 'auto_scale_lr.base_batch_size=0', 'load_config / tools',
         lambda t: _load({'auto_scale_lr.base_batch_size': 0}),
         r"auto_scale_lr.base_batch_size=0: expected a positive int"),
    Case(_CFG, 'optim_wrapper.optimizer.lr=0', 'load_config / tools',
         lambda t: _load({'optim_wrapper.optimizer.lr': 0}),
         r"ConfigError: config: optim_wrapper.optimizer.lr=0: expected a positive number"),
    Case(_CFG, "save_best='PCK' with CocoMetric", 'load_config / tools',
         lambda t: _load({'default_hooks.checkpoint.save_best': 'PCK'}),
         r"default_hooks.checkpoint.save_best='PCK' is not a metric of val_evaluator "
         r"\['CocoMetric'\]; expected one of \['coco/AP', 'coco/AP .5', .*'coco/AR \(L\)'\] "
         r"or 'auto'"),
    Case(_CFG, "save_best='coco/AP' with MpiiPCKAccuracy", 'load_config / tools',
         lambda t: _load({'default_hooks.checkpoint.save_best': 'coco/AP'}, MPII_CONFIG),
         r"save_best='coco/AP' is not a metric of val_evaluator \['MpiiPCKAccuracy'\]; "
         r"expected one of \['Head PCK', .*'PCK', 'PCK@0.1'\]"),
    Case(_CFG, "save_best=['coco/AP', 'AUC'] with CocoMetric", 'load_config / tools',
         lambda t: _load({'default_hooks.checkpoint.save_best': ['coco/AP', 'AUC']}),
         r"save_best='AUC' is not a metric of val_evaluator \['CocoMetric'\]"),
    Case(_CFG, "save_best='auto' (the first metric)", 'load_config / tools',
         lambda t: _load({'default_hooks.checkpoint.save_best': 'auto'}),
         r'accepted: the config passed the check'),
    Case(_CFG, "save_best='AUC' with PCKAccuracy, AUC and EPE (the hand config)",
         'load_config / tools', lambda t: _load({}, HAND_CONFIG),
         r'accepted: the config passed the check'),
    Case(_CFG, "save_best='NME' with NME (the face config)", 'load_config / tools',
         lambda t: _load({}, WFLW_CONFIG), r'accepted: the config passed the check'),
    Case(_CFG, 'lr=0, max_epochs=0 and val_interval=0 at once', 'load_config / tools',
         lambda t: _load({'optim_wrapper.optimizer.lr': 0, 'train_cfg.max_epochs': 0,
                          'train_cfg.val_interval': 0}),
         r"ConfigError: the config has 3 problems:\n  - train_cfg.max_epochs=0: .*\n  - "
         r"train_cfg.val_interval=0: .*\n  - optim_wrapper.optimizer.lr=0: "),
]
