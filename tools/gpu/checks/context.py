"""The run of ``tools/gpu/check.py``: its settings, the time budget, every step's record, the
repository's tools run as subprocesses; and the one import of the benchmark library."""
import argparse
import os
import os.path as osp
import subprocess
import sys
import time
import traceback
from typing import Callable, List, Optional

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

# the benchmark library: this block is the only place the GPU check names it (the steps
# import these names from here)
from benchmarks.lib import (build_pose_model, forward_fn, machine_info,  # noqa: E402,F401
                            parse_device, peak_memory_mib, synthetic_data_samples,
                            synthetic_inputs, train_step_fn)
from benchmarks.lib.throughput import compare_throughput  # noqa: E402,F401
from benchmarks.lib.zoo import display_name, resolve_config  # noqa: E402,F401

COCO_TINY = osp.join(REPO, 'tests', 'data', 'coco_tiny')
IMAGE = osp.join(COCO_TINY, '000000196141.jpg')
STEPS = ('equivalence', 'train', 'resume', 'dist', 'inference', 'benchmark')


def tf32_off() -> None:
    """Full float32 matmuls and convolutions (no TF32): the checks compare with 1e-4."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


class Check:
    """The run: settings, the time budget, and every step's record."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.device = parse_device(args.device)
        self.quick = args.quick
        self.start = time.time()
        self.steps: List[dict] = []
        self.work = osp.abspath(args.work_dir)
        os.makedirs(self.work, exist_ok=True)
        self.env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get(
            'PYTHONPATH', ''), TOKENPOSE_MM_TRACEBACK='1', PYTHON=sys.executable)
        if self.device.type == 'cpu':
            self.env['CUDA_VISIBLE_DEVICES'] = ''  # the tools must not find a GPU either
        elif self.device.index is not None:
            self.env['CUDA_VISIBLE_DEVICES'] = str(self.device.index)

    def left_s(self) -> float:
        return self.args.budget_s - (time.time() - self.start)

    def skip(self, name: str, why: str) -> None:
        self.steps.append(dict(step=name, status='skipped', detail=why))
        print(f'[check] {name}: skipped ({why})', flush=True)

    def step(self, name: str, fn: Callable[[], dict], need_s: float = 5.) -> Optional[dict]:
        """Run one step; record ok / failed (with the error) / skipped (no time left)."""
        record = dict(step=name)
        if self.left_s() < need_s:
            self.skip(name, f'out of time ({self.left_s():.0f} s left)')
            return None
        t0 = time.time()
        print(f'[check] {name} ...', flush=True)
        try:
            result = fn() or {}
            record.update(status=result.pop('status', 'ok'), **result)
        except Exception as e:  # noqa: BLE001  (recorded; the other steps still run)
            record.update(status='failed', error=f'{type(e).__name__}: {e}',
                          traceback=traceback.format_exc()[-2000:])
        record['seconds'] = round(time.time() - t0, 1)
        self.steps.append(record)
        print(f'[check] {name}: {record["status"]} in {record["seconds"]} s'
              + (f' ({record["error"]})' if 'error' in record else ''), flush=True)
        return record

    def tool(self, *argv: str, timeout: Optional[float] = None) -> str:
        """Run a tool of the repository; its output, or an error with its last lines."""
        timeout = max(10., min(timeout or 1e9, self.left_s()))
        command = [sys.executable, *argv] if argv[0].endswith('.py') else list(argv)
        done = subprocess.run(command, cwd=REPO, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise RuntimeError(f'{" ".join(argv[:2])} exited {done.returncode}: '
                               f'{output[-1500:]}')
        return output
