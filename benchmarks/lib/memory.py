"""Peak memory of one workload.

CPU: the process's resident-set high-water mark (``VmHWM`` in ``/proc/self/status``), reset to
the current RSS just before the workload (``/proc/self/clear_refs``), in a **fresh subprocess per
measurement** so that no allocator cache of an earlier measurement hides memory. The figure is
the peak minus the RSS before the workload (the model, inputs and imports excluded).
CUDA: ``torch.cuda.max_memory_allocated`` minus the allocation before the workload.

    python -m benchmarks.lib.memory CONFIG --mode train --batch 32 --precision bf16
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from typing import Callable, Dict, List, Optional

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # benchmarks.lib's root


def _status_kib(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not found in /proc/self/status (Linux only)')


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS; False where the kernel refuses."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def peak_memory_mib(fn: Callable[[], object], device: torch.device, runs: int = 1) -> Dict:
    """Peak memory that ``runs`` calls of ``fn`` add on ``device``, in MiB.

    Returns:
        ``{'peak_mib', 'method', ...}``: on CPU also ``peak_rss_mib`` (absolute) and
        ``baseline_rss_mib``; ``hwm_reset`` says whether the high-water mark could be reset
        (if not, the peak includes whatever ran earlier in the process).
    """
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        for _ in range(runs):
            fn()
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device)
        return dict(peak_mib=(peak - base) / 2**20, method='torch.cuda.max_memory_allocated')
    reset = _reset_peak_rss()
    base = _status_kib('VmRSS')
    for _ in range(runs):
        fn()
    peak = _status_kib('VmHWM')
    return dict(peak_mib=(peak - base) / 1024, peak_rss_mib=peak / 1024,
                baseline_rss_mib=base / 1024, hwm_reset=reset,
                method='/proc/self/status VmHWM - VmRSS, fresh process')


def measure_in_subprocess(argv: List[str], timeout_s: float = 900) -> Dict:
    """Run ``python -m benchmarks.lib.memory *argv`` (from the repository root) and return its
    JSON (or the error)."""
    return run_json_subprocess([sys.executable, '-m', 'benchmarks.lib.memory', *argv],
                               timeout_s, cwd=REPO)


def run_json_subprocess(cmd: List[str], timeout_s: float = 900,
                        cwd: Optional[str] = None) -> Dict:
    """Run ``cmd`` (in ``cwd``); its last stdout line is JSON. Failures come back as
    ``{'error': ...}``."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, cwd=cwd)
    except subprocess.TimeoutExpired:
        return dict(error=f'timed out after {timeout_s:.0f} s')
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return dict(error=f'exit {proc.returncode}: ' + ' | '.join(tail))
    return json.loads(lines[-1])


def main(argv: Optional[List[str]] = None) -> None:
    from mmengine.config import DictAction

    from .models import (PRECISIONS, build_pose_model, forward_fn, parse_device,
                         synthetic_data_samples, synthetic_inputs, train_step_fn)
    parser = argparse.ArgumentParser(description='Peak memory of one pose-model workload.')
    parser.add_argument('config', help='config file or mmpose::... name')
    parser.add_argument('--mode', choices=('forward', 'train'), default='forward')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error(f'--batch must be >= 1, got {args.batch}')
    device = parse_device(args.device)
    model = build_pose_model(args.config, device, args.cfg_options)
    inputs = synthetic_inputs(model, args.batch, device)
    if args.mode == 'forward':
        fn = forward_fn(model.eval(), inputs, args.precision, device)
    else:
        samples = synthetic_data_samples(model, args.batch, device)
        fn = train_step_fn(model.train(), inputs, samples, args.precision, device)
    result = peak_memory_mib(fn, device, runs=2 if args.mode == 'train' else 1)
    result.update(mode=args.mode, batch=args.batch, precision=args.precision,
                  device=str(device))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
