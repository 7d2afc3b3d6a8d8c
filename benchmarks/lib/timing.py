"""Noise-robust wall-clock timing: warm-up, several repeats, medians, interleaved comparisons.

Every figure that enters a ratio is measured by :func:`measure_interleaved`, which runs the
callables of a comparison in turn (a, b, a, b, ...) so that load from other processes affects
both sides alike; the median of each side is reported.
"""
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Hashable, List, Mapping, Optional

import torch


@dataclass
class Timing:
    """Seconds per call of one callable: the median and the spread of ``repeats`` calls."""
    median_s: float
    min_s: float
    max_s: float
    repeats: int
    times_s: List[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels on ``device`` (a no-op on CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def measure_interleaved(fns: Mapping[Hashable, Callable[[], object]],
                        device: torch.device,
                        warmup: int = 1,
                        repeats: int = 5,
                        min_time_s: float = 0.) -> Dict[Hashable, Timing]:
    """Time each callable of ``fns``, interleaved: warm-up rounds, then ``repeats`` rounds in
    which every callable runs once (each timed alone, the device synchronized around it).

    Args:
        fns: name -> zero-argument callable.
        device: Device to synchronize.
        warmup: Untimed rounds first (allocator, kernel selection, caches).
        repeats: Timed rounds, at least 1.
        min_time_s: Keep adding rounds (up to ``4 * repeats``) until the slowest callable has
            accumulated this much time; useful for very fast calls.

    Returns:
        name -> :class:`Timing`.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f'repeats must be >= 1 and warmup >= 0, got repeats={repeats}, '
                         f'warmup={warmup}')
    if not fns:
        raise ValueError('measure_interleaved needs at least one callable')
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    synchronize(device)
    times: Dict[Hashable, List[float]] = {name: [] for name in fns}
    rounds = 0
    while rounds < repeats or (rounds < 4 * repeats
                               and max(sum(t) for t in times.values()) < min_time_s):
        for name, fn in fns.items():
            synchronize(device)
            start = time.perf_counter()
            fn()
            synchronize(device)
            times[name].append(time.perf_counter() - start)
        rounds += 1
    return {name: Timing(statistics.median(t), min(t), max(t), len(t), t)
            for name, t in times.items()}


def matmul_rate(device: torch.device, size: int = 2048, warmup: int = 1,
                repeats: int = 5) -> Dict[str, float]:
    """The machine's float32 matrix-multiply rate: ``torch.mm`` of two (size, size) matrices.

    Returns:
        ``{'size', 'median_s', 'gmacs_per_s'}``; MACs = size ** 3.
    """
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    timing = measure_interleaved({'mm': lambda: torch.mm(a, b)}, device, warmup, repeats)['mm']
    return dict(size=size, median_s=timing.median_s, gmacs_per_s=size**3 / timing.median_s / 1e9)


def machine_info(device: Optional[torch.device] = None) -> dict:
    """What a timing depends on: load average, threads, CPU, versions, the device."""
    info = dict(
        time_utc=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        loadavg=list(os.getloadavg()),
        torch_num_threads=torch.get_num_threads(),
        cpu_count=os.cpu_count(),
        cpu=_cpu_name(),
        platform=platform.platform(),
        python=platform.python_version(),
        torch=torch.__version__,
        cuda_available=torch.cuda.is_available(),
    )
    for package in ('mmpose', 'mmengine', 'mmcv'):
        try:
            info[package] = __import__(package).__version__
        except ImportError:
            info[package] = None
    if device is not None and device.type == 'cuda':
        info['cuda_device'] = torch.cuda.get_device_name(device)
    return info


def _cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
