"""GPU validation of tokenpose_mm in one call, without any package registry.

    python tools/gpu/check.py                    # on cuda, about 8 minutes on one H200
    python tools/gpu/check.py --quick            # every step shrunk (a minute or two)
    python tools/gpu/check.py --device cpu --quick   # rehearsal without a GPU

Steps (each one recorded as ok / failed / skipped with its time; a failed step does not stop
the others; the exit status is 1 when any failed):

1. ``environment``: device name, driver, versions, mmcv's ops build, TF32 settings;
2. ``equivalence``: the bundled official fixtures (S-v1, B) reproduce the official heatmaps
   within 1e-4 on the device, TF32 off;
3. ``train``: T, S-v1, B and L/D24 train on the bundled COCO sample (``tools/train.py``) in
   fp32 and with ``--amp`` (CUDA only): the loss falls, stays finite, the AMP loss scale is read
   from the checkpoint; then T resumes (``--resume``, RNG states restored) and
   ``tools/test.py`` evaluates it; ``tools/dist_train.sh CONFIG 1`` trains on NCCL (gloo on CPU);
4. ``inference``: ``tools/demo/topdown_demo.py`` and ``tools/analysis/attention_maps.py`` on the
   device; ONNX export of the trained T with onnxruntime parity (TF32 off);
5. ``benchmark``: latency (batch 1) and throughput (batch 64) in fp32/fp16/bf16, training
   throughput (fp32, AMP) and peak memory of every variant against MMPose's HRNet-W32,
   SimpleBaseline-R50 and ViTPose-S, all interleaved in one measurement; TMPose-B keep 0.6
   against TokenPose-B, side by side.

Writes ``--out`` (default ``benchmarks/results/gpu.md``; with ``--device cpu``
``benchmarks/results/gpu-rehearsal-cpu.md``, never the GPU result) and the same path with
``.json``. ``--budget-s`` (default 470) bounds the whole run: a step that would start after it
is skipped and says so.

The steps live beside this script in ``tools/gpu/checks/`` (one module each: the run and its
settings in ``context.py``, then ``environment``, ``equivalence``, ``training``, ``inference``,
``benchmark`` and ``report``).
"""
import argparse
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # the steps: tools/gpu/checks/

import tokenpose_mm  # noqa: E402

tokenpose_mm.setup_env()  # the tools' process set-up: known library warnings, safe loading

from checks.benchmark import benchmark  # noqa: E402
from checks.context import STEPS, Check  # noqa: E402
from checks.environment import environment  # noqa: E402
from checks.equivalence import equivalence  # noqa: E402
from checks.inference import inference  # noqa: E402
from checks.report import write_report  # noqa: E402
from checks.training import dist_train, resume_and_test, train  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda', help='cuda, cuda:N or cpu (rehearsal)')
    parser.add_argument('--quick', action='store_true', help='shrink every step')
    parser.add_argument('--out', help='Markdown report (a .json beside it)')
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'gpu_check'))
    parser.add_argument('--steps', nargs='+', choices=STEPS,
                        help='only these steps (default: all; resume, dist and inference use '
                        'the checkpoints of train from --work-dir); the report keeps the '
                        'other steps of the previous run of the same device and --quick')
    parser.add_argument('--budget-s', type=float, default=470.,
                        help='steps that would start later are skipped (default 470)')
    args = parser.parse_args(argv)
    if args.out is None:
        name = 'gpu.md' if args.device.startswith('cuda') else 'gpu-rehearsal-cpu.md'
        args.out = osp.join(REPO, 'benchmarks', 'results', name)
    return args


def main(argv=None) -> int:
    check = Check(parse_args(argv))
    env = check.step('environment', lambda: environment(check))
    info = (env or {}).get('info', {})
    steps = dict(equivalence=lambda: check.step('equivalence', lambda: equivalence(check)),
                 train=lambda: train(check),
                 resume=lambda: check.step('resume and test', lambda: resume_and_test(check),
                                           need_s=30),
                 dist=lambda: check.step('dist_train.sh', lambda: dist_train(check), need_s=30),
                 inference=lambda: check.step('inference', lambda: inference(check), need_s=30),
                 benchmark=lambda: check.step('benchmark', lambda: benchmark(check), need_s=30))
    for name in check.args.steps or STEPS:
        steps[name]()
    out = write_report(check, info)
    failed = [s['step'] for s in check.steps if s['status'] == 'failed']
    print(f'[check] wrote {out}; {len(failed)} step(s) failed{": " if failed else ""}'
          f'{", ".join(failed)}', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
