"""The benchmark suite's quick mode runs end to end on one small model and writes its files
(no timing is asserted: figures on a shared CI machine mean nothing)."""
import json
import os.path as osp
import subprocess
import sys

from ..conftest import REPO


def test_quick_suite_writes_results(tmp_path):
    out = tmp_path / 'results'
    cmd = [sys.executable, osp.join(REPO, 'benchmarks', 'run.py'), '--quick', '--sections',
           'models', '--models', 's-v1', '--out', str(out)]
    subprocess.run(cmd, check=True, cwd=REPO, timeout=300)
    results = json.loads((out / 'results.json').read_text())
    assert results['quick'] is True
    assert results['machine']['torch_num_threads'] >= 1
    assert len(results['machine']['loadavg']) == 3 and 'loadavg' in results['machine_after']
    row = results['models']['s-v1']
    assert 'error' not in row
    assert abs(row['params'] - 6_669_888) == 0
    cpu = row['devices']['cpu']
    for key in ('latency', 'throughput', 'train'):
        assert set(cpu[key]) == {'fp32', 'bf16'}
        assert all(v['median_s'] > 0 for v in cpu[key].values())
    assert cpu['memory_forward']['fp32']['peak_mib'] > 0
    report = (out / 'results.md').read_text()
    assert 'TokenPose-S-v1' in report and 'Quick mode' in report
    assert (out / 'ap_vs_cost.png').stat().st_size > 1000


def test_readme_markers_are_replaced_only_between_them(tmp_path):
    sys.path.insert(0, osp.join(REPO, 'benchmarks'))
    try:
        from update_readme import END, START, replace_between_markers
    finally:
        sys.path.remove(osp.join(REPO, 'benchmarks'))
    text = f'# x\n\nbefore\n{START}\nold\n{END}\nafter\n'
    new = replace_between_markers(text, '| a |')
    assert new == f'# x\n\nbefore\n{START}\n| a |\n{END}\nafter\n'
    readme = open(osp.join(REPO, 'README.md')).read()
    assert readme.count(START) == 1 and readme.count(END) == 1


def test_einsum_baseline_reproduces_our_transformer():
    """The baseline of the speed target computes what ours computes, with our weights."""
    import torch
    sys.path.insert(0, osp.join(REPO, 'benchmarks'))
    try:
        from einsum_transformer import einsum_copy, einsum_run, ours_run
    finally:
        sys.path.remove(osp.join(REPO, 'benchmarks'))
    from tokenpose_mm.models.necks import TokenPoseNeck
    neck = TokenPoseNeck(dict(name='l-d24', depth=2)).eval()  # 3 stacks of 2 layers, 12 heads
    stacks = [einsum_copy(s, neck.num_keypoints) for s in neck.stacks]
    x = torch.randn(2, neck.num_keypoints + 256, 192)
    with torch.no_grad():
        ours = ours_run(neck, x, neck.pos_embedding)
        theirs = einsum_run(stacks, x, neck.pos_embedding)
    assert (ours - theirs).abs().max() < 1e-5
