"""tools/gpu/check.py: a CPU rehearsal never writes where the GPU result is published."""
import os.path as osp

from ..conftest import REPO, load_tool


def test_cpu_rehearsal_never_writes_the_gpu_result():
    check = load_tool('gpu', 'check')
    results = osp.join(REPO, 'benchmarks', 'results')
    assert check.parse_args([]).out == osp.join(results, 'gpu.md')
    assert check.parse_args(['--device', 'cuda:0']).out == osp.join(results, 'gpu.md')
    assert check.parse_args(['--device', 'cpu']).out == osp.join(results, 'gpu-rehearsal-cpu.md')
