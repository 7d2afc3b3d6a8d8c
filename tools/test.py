"""Evaluate a checkpoint with MMEngine's Runner (MMPose's ``tools/test.py`` interface).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out RESULTS.pkl]
                         [--cfg-options KEY=VALUE ...]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [ARGS ...]
"""
import argparse
import os.path as osp
import sys

from mmengine.runner import Runner

from tokenpose_mm.apis.runner_cfg import (CfgOptionsAction, check_annotation_files,
                                          close_distributed, load_config, run_cli, set_launcher,
                                          set_work_dir)
from tokenpose_mm.engine import add_safeguard_hooks


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save evaluation results')
    parser.add_argument('--out', help='dump the predictions to this pickle file')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override config settings, KEY=VALUE')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args(argv)


def build_runner(args: argparse.Namespace) -> Runner:
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint!r}')
    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.config, args.work_dir)
    set_launcher(cfg, args.launcher)
    check_annotation_files(cfg, ('test', ))
    cfg.load_from = args.checkpoint
    add_safeguard_hooks(cfg, ('KeypointCountHook', 'CheckpointMatchHook'))
    if args.out:
        cfg.test_evaluator = [*(cfg.test_evaluator if isinstance(cfg.test_evaluator, list)
                                else [cfg.test_evaluator]),
                              dict(type='DumpResults', out_file_path=args.out)]
    return Runner.from_cfg(cfg)


def main(argv=None) -> dict:
    try:
        return build_runner(parse_args(argv)).test()
    finally:
        close_distributed()


if __name__ == '__main__':
    sys.exit(run_cli(main))
