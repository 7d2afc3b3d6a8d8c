"""Train a pose model with MMEngine's Runner (MMPose's ``tools/train.py`` interface).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT] | --force] [--amp]
                                 [--auto-scale-lr] [--no-validate] [--cfg-options KEY=VALUE ...]

A work dir holding another run's checkpoints is refused unless --resume continues that run or
--force overwrites it; --resume without a checkpoint to resume from is refused too.
    bash tools/dist_train.sh CONFIG NUM_PROCS [ARGS ...]   # torch's launcher, several machines too
"""
import argparse
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config
from mmengine.runner import Runner

from tokenpose_mm.cli import (add_cfg_options, add_launcher_options, check_annotation_files,
                              check_work_dir_free, close_distributed, config_file, enable_amp,
                              input_file, load_config, run_cli, set_launcher, set_work_dir,
                              training_lock)
from tokenpose_mm.engine import add_safeguard_hooks
from tokenpose_mm.utils import CheckpointError, find_resumable_checkpoint


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a pose model')
    parser.add_argument('config', type=config_file, help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument('--resume', nargs='?', type=input_file('--resume checkpoint', 'auto'),
                      const='auto', help='resume from this checkpoint, or without a value from '
                      'the latest checkpoint in the work dir')
    runs.add_argument('--force', action='store_true', help='train afresh in a work dir that '
                      "holds another run's checkpoints, overwriting them")
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--no-validate', action='store_true', help='skip validation')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by actual / base batch size')
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> Config:
    """The config of the run, its annotation files checked (``--resume``: resolved later, under
    the work dir lock)."""
    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.config, args.work_dir)
    set_launcher(cfg, args.launcher)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    check_annotation_files(cfg, ('train', 'val'))
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    add_safeguard_hooks(cfg)
    return cfg


def build_runner(args: argparse.Namespace, cfg: Optional[Config] = None) -> Runner:
    """MMEngine's Runner for ``args`` (and ``cfg``, by default :func:`build_config`'s)."""
    if cfg is None:
        cfg = build_config(args)
    check_work_dir_free(cfg.work_dir, args.resume is not None, getattr(args, 'force', False))
    if args.resume == 'auto':  # the newest whole checkpoint, never a truncated or unsafe file
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
        pointer = osp.join(cfg.work_dir, 'last_checkpoint')
        if cfg.load_from is None and osp.isfile(pointer):  # do not silently start afresh
            named = open(pointer).read().strip()
            raise CheckpointError(f'cannot resume: {pointer} names {named!r}, which is not a '
                                  'whole, loadable checkpoint, and no other is there')
        if cfg.load_from is None:
            raise CheckpointError(f'nothing to resume: work dir {cfg.work_dir!r} holds no '
                                  'checkpoint (epoch_N.pth, iter_N.pth or last_checkpoint); '
                                  'drop --resume to start a new run, or give --resume CKPT')
        cfg.resume = True
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    return Runner.from_cfg(cfg)


def main(argv=None) -> None:
    """Train; a second training into a work dir in use stops (``WorkDirInUseError``)."""
    args = parse_args(argv)
    try:
        cfg = build_config(args)
        with training_lock(cfg):  # one lock per run, held by rank 0
            build_runner(args, cfg).train()
    finally:
        close_distributed()


if __name__ == '__main__':
    sys.exit(run_cli(main))
