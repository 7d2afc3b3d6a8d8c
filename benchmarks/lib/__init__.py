"""Benchmark library shared by ``benchmarks/run.py`` and ``tools/analysis/compare.py``
(``benchmarks.lib``, importable from the repository root; not installed with the package):
interleaved timing, pose-model workloads and peak memory."""
from .memory import peak_memory_mib
from .models import (PRECISIONS, autocast, build_pose_model, complexity, forward_fn, input_shape,
                     load_benchmark_config, parse_device, synthetic_data_samples,
                     synthetic_inputs, train_step_fn)
from .timing import Timing, machine_info, matmul_rate, measure_interleaved

__all__ = [
    'PRECISIONS', 'Timing', 'autocast', 'build_pose_model', 'complexity', 'forward_fn', 'input_shape',
    'load_benchmark_config', 'machine_info', 'matmul_rate', 'measure_interleaved',
    'parse_device', 'peak_memory_mib', 'synthetic_data_samples', 'synthetic_inputs',
    'train_step_fn'
]
