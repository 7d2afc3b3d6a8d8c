"""Evaluate a checkpoint with MMEngine's Runner (MMPose's ``tools/test.py`` interface).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out METRICS.json]
                         [--dump PREDICTIONS.pkl] [--show-dir vis] [--show] [--badcase]
                         [--interval N] [--wait-time S] [--cfg-options KEY=VALUE ...]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [ARGS ...]

--show-dir and --badcase draw into WORK_DIR/TIMESTAMP/ (MMPose's PoseVisualizationHook and
BadCaseAnalysisHook), --dump pickles every prediction (MMPose's DumpResults metric), --out
writes the metrics (.json, .yaml or .pkl), atomically. Before anything runs, --out and --dump
are refused when they name an input of the run (the config, the checkpoint, an annotation or
box file), a symlink, a folder, or the same file; --show needs a display.
"""
import argparse
import os.path as osp
import sys

import mmengine
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from tokenpose_mm.cli import (add_cfg_options, add_launcher_options, add_test_outputs,
                              check_annotation_files, check_display, check_outputs,
                              close_distributed, config_file, config_inputs, input_file,
                              load_config, output_file, positive_int, run_cli, set_launcher,
                              set_work_dir)
from tokenpose_mm.engine import add_safeguard_hooks
from tokenpose_mm.utils import replacing

METRICS_EXTENSIONS = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', type=config_file, help='test config file path')
    parser.add_argument('checkpoint', type=input_file('checkpoint'), help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save evaluation results')
    parser.add_argument('--out', type=output_file('--out', METRICS_EXTENSIONS),
                        help='write the metrics to this file (.json, .yaml, .pkl)')
    parser.add_argument('--dump', type=output_file('--dump', ('.pkl', '.pickle')),
                        help='pickle every prediction to this .pkl file')
    parser.add_argument('--show-dir', help='draw the predictions into WORK_DIR/TIMESTAMP/SHOW_DIR')
    parser.add_argument('--show', action='store_true', help='show the predictions in a window')
    parser.add_argument('--badcase', action='store_true',
                        help='draw the worst samples (MMPose\'s BadCaseAnalysisHook)')
    parser.add_argument('--interval', type=positive_int('--interval'), default=1,
                        help='draw every N-th sample')
    parser.add_argument('--wait-time', type=float, default=1, help='seconds per --show window')
    add_cfg_options(parser)
    add_launcher_options(parser)
    return parser.parse_args(argv)


def build_runner(args: argparse.Namespace) -> Runner:
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint!r}')
    if args.show:
        check_display()
    cfg = load_config(args.config, args.cfg_options)
    check_outputs({'--out': args.out, '--dump': args.dump},
                  [args.config, args.checkpoint, *config_inputs(cfg, ('test', ))])
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
            with replacing(args.out, '--out') as partial:  # same extension: same format
                mmengine.dump(metrics, partial)
        return metrics
    finally:
        close_distributed()


if __name__ == '__main__':
    sys.exit(run_cli(main))
