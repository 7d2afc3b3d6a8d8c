"""Evaluate a checkpoint with MMEngine's Runner (MMPose's ``tools/test.py`` interface).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out METRICS.json]
                         [--dump PREDICTIONS.pkl] [--show-dir vis] [--show] [--badcase]
                         [--interval N] [--wait-time S] [--cfg-options KEY=VALUE ...]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [ARGS ...]

--show-dir and --badcase draw into WORK_DIR/TIMESTAMP/ (MMPose's PoseVisualizationHook and
BadCaseAnalysisHook), --dump pickles every prediction (MMPose's DumpResults metric), --out
writes the metrics (.json, .yaml or .pkl).
"""
import argparse
import os.path as osp
import sys

import mmengine
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from tokenpose_mm.cli import (add_cfg_options, add_launcher_options, add_test_outputs,
                              check_annotation_files, close_distributed, load_config, run_cli,
                              set_launcher, set_work_dir)
from tokenpose_mm.engine import add_safeguard_hooks


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save evaluation results')
    parser.add_argument('--out', help='write the metrics to this file (.json, .yaml, .pkl)')
    parser.add_argument('--dump', help='pickle every prediction to this .pkl file')
    parser.add_argument('--show-dir', help='draw the predictions into WORK_DIR/TIMESTAMP/SHOW_DIR')
    parser.add_argument('--show', action='store_true', help='show the predictions in a window')
    parser.add_argument('--badcase', action='store_true',
                        help='draw the worst samples (MMPose\'s BadCaseAnalysisHook)')
    parser.add_argument('--interval', type=int, default=1, help='draw every N-th sample')
    parser.add_argument('--wait-time', type=float, default=1, help='seconds per --show window')
    add_cfg_options(parser)
    add_launcher_options(parser)
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
    add_test_outputs(cfg, args.show_dir, args.show, args.interval, args.wait_time, args.dump,
                     args.badcase)
    return Runner.from_cfg(cfg)


def main(argv=None) -> dict:
    args = parse_args(argv)
    try:
        metrics = build_runner(args).test()
        if args.out and is_main_process():
            mmengine.dump(metrics, args.out)
        return metrics
    finally:
        close_distributed()


if __name__ == '__main__':
    sys.exit(run_cli(main))
