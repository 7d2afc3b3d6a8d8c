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
"""
import argparse
import json
import math
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import time
import traceback
from typing import Callable, Dict, List, Optional

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

import tokenpose_mm  # noqa: E402

tokenpose_mm.setup_env()  # the tools' process set-up: known library warnings, safe loading

# the benchmark library: this block is the only place check.py names it
from benchmarks.lib import (build_pose_model, forward_fn, machine_info,  # noqa: E402
                            parse_device, peak_memory_mib, synthetic_data_samples,
                            synthetic_inputs, train_step_fn)
from benchmarks.lib.throughput import compare_throughput  # noqa: E402
from benchmarks.lib.zoo import display_name, resolve_config  # noqa: E402

COCO_TINY = osp.join(REPO, 'tests', 'data', 'coco_tiny')
IMAGE = osp.join(COCO_TINY, '000000196141.jpg')
TRAIN_VARIANTS = ('t', 's-v1', 'b', 'l-d24')
VARIANTS = ('t', 's-v1', 's-v2', 'b', 'l-d6', 'l-d24', 'l-d24-384', 'l-d6-mpii')
BASELINES = ('hrnet-w32', 'res50', 'vitpose-s')
RATIOS = (('b', 'hrnet-w32'), ('s-v1', 'res50'), ('tmpose-b-0.6', 'b'))
STEPS = ('equivalence', 'train', 'resume', 'dist', 'inference', 'benchmark')
TMPOSE = {'model.neck.token_masking': dict(strategy='random', keep_ratio=0.6)}


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


# ------------------------------------------------------------------------------ steps
def environment(check: Check) -> dict:
    info = machine_info(check.device)
    from mmcv.ops import get_compiling_cuda_version
    versions = {}
    for package in ('mmcv', 'mmengine', 'mmpose', 'mmdet', 'mmpretrain', 'numpy', 'onnx',
                    'onnxruntime', 'torchvision'):
        try:
            versions[package] = __import__(package).__version__
        except Exception as e:  # noqa: BLE001
            versions[package] = f'not importable ({type(e).__name__}: {e})'
    ops = get_compiling_cuda_version()
    info.update(versions=versions, tokenpose_mm=tokenpose_mm.__version__,
                mmcv_ops='CPU ops only' if ops == 'not available' else f'CPU and CUDA {ops} ops',
                torch_cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                python=platform.python_version())
    if check.device.type == 'cuda':
        props = torch.cuda.get_device_properties(check.device)
        info.update(device_name=props.name, capability=f'{props.major}.{props.minor}',
                    memory_gib=round(props.total_memory / 2**30, 1), driver=_driver())
    else:
        info.update(device_name=info['cpu'], driver=None)
    return dict(info=info)


def _driver() -> Optional[str]:
    try:
        query = ['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader']
        return subprocess.run(query, capture_output=True, text=True,
                              timeout=20).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def equivalence(check: Check) -> dict:
    """Official fixtures, converted, on the device with TF32 off: max |ours - official|."""
    from tokenpose_mm.converters import convert_official_checkpoint
    from tokenpose_mm.config_zoo import variant_config
    tf32_off()
    out = {}
    for fixture, arch in (('tokenpose_s_v1_depth3', 's-v1'), ('tokenpose_b_depth3', 'b')):
        folder = osp.join(check.work, 'equivalence', fixture)
        os.makedirs(folder, exist_ok=True)
        config = osp.join(folder, 'config.py')
        with open(config, 'w') as f:  # the fixtures' depth
            f.write(f'_base_ = [{variant_config(arch)!r}]\nmodel = dict(neck=dict(depth=3))\n')
        reference = osp.join(REPO, 'tests', 'data', 'official_tokenpose', fixture)
        model = convert_official_checkpoint(reference + '.pth', config,
                                            osp.join(folder, 'converted.pth'))
        model = model.to(check.device).eval()
        io = torch.load(reference + '_io.pt', weights_only=True)
        with torch.no_grad():
            heatmaps = model(io['input'].to(check.device), None, mode='tensor').float().cpu()
        out[arch] = float((heatmaps - io['output']).abs().max())
    bad = {k: v for k, v in out.items() if not v < 1e-4}
    if bad:
        raise AssertionError(f'official outputs not reproduced within 1e-4: {bad}')
    return dict(max_abs_difference=out, tf32=False)


def _train_config(check: Check, arch: str, iters: int, epochs: int,
                  name: Optional[str] = None) -> str:
    """A config of ``arch`` that trains on the bundled sample: ``epochs`` epochs of
    ``iters // epochs`` batches of the 12 people, a checkpoint every epoch."""
    from tokenpose_mm.config_zoo import variant_config
    base = variant_config(arch)
    batch = 2 if check.quick else 12
    samples = (iters // epochs) * batch  # per epoch; the sample has 12 people
    times, indices = (1, samples) if samples <= 12 else (math.ceil(samples / 12), None)
    depth = 'model = dict(neck=dict(depth=2))  # --quick\n' if check.quick else ''
    path = osp.join(check.work, 'configs', f'{name or arch}.py')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(f'''_base_ = [{base!r}]
data_root = {COCO_TINY + '/'!r}
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
default_hooks = dict(logger=dict(interval={1 if check.quick else 10}),
                     checkpoint=dict(interval=1, save_best=None, max_keep_ckpts=3))
log_processor = dict(window_size=1)
train_dataloader = dict(
    batch_size={batch}, num_workers={0 if check.quick else 2}, persistent_workers=False,
    dataset=dict(_delete_=True, type='RepeatDataset', times={times}, dataset=dict(
        type='CocoDataset', data_root=data_root, metainfo=_base_.metainfo,
        data_mode='topdown', ann_file='test_coco.json', data_prefix=dict(img=''),
        indices={indices}, pipeline=_base_.train_pipeline)))
{depth}
val_dataloader = dict(
    batch_size=12, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='test_coco.json', bbox_file=None,
                 data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
''')
    return path


def _losses(work_dir: str) -> List[float]:
    """The logged training losses of the newest run in ``work_dir`` (MMEngine's scalars)."""
    runs = sorted(d for d in os.listdir(work_dir) if re.fullmatch(r'\d{8}_\d{6}', d))
    scalars = osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')
    with open(scalars) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [float(r['loss']) for r in rows if 'loss' in r]


def train_one(check: Check, arch: str, amp: bool) -> dict:
    iters, epochs = (4, 2) if check.quick else (200, 2)
    config = _train_config(check, arch, iters, epochs)
    work_dir = osp.join(check.work, 'train', f'{arch}-{"amp" if amp else "fp32"}')
    t0 = time.time()
    check.tool(osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', work_dir,
               '--no-validate', *(['--amp'] if amp else []))
    losses = _losses(work_dir)
    from tokenpose_mm.utils import load_checkpoint_file
    last = load_checkpoint_file(osp.join(work_dir, f'epoch_{epochs}.pth'))
    result = dict(iterations=int(last['meta']['iter']), seconds=round(time.time() - t0, 1),
                  first_loss=losses[0], last_loss=losses[-1], logged=len(losses),
                  finite=all(math.isfinite(v) for v in losses), checkpoint=work_dir)
    window = max(1, len(losses) // 5)
    result['loss_fell'] = sum(losses[-window:]) / window < sum(losses[:window]) / window
    if amp:
        result['loss_scale'] = float(last['optimizer']['loss_scaler']['scale'])
    if not result['finite'] or not result['loss_fell']:
        raise AssertionError(f'{arch} {"AMP" if amp else "fp32"}: losses {losses[:3]} ... '
                             f'{losses[-3:]} (finite {result["finite"]}, fell '
                             f'{result["loss_fell"]})')
    return result


def train(check: Check) -> None:
    for arch in TRAIN_VARIANTS:
        for amp in (False, True):
            name = f'train {arch} {"amp" if amp else "fp32"}'
            if amp and check.device.type != 'cuda':
                check.skip(name, '--amp needs a GPU')
            else:
                check.step(name, lambda: train_one(check, arch, amp), need_s=30)


def resume_and_test(check: Check) -> dict:
    """T again from its fp32 checkpoint for one more epoch (``--resume``), then test.py."""
    iters, epochs = (4, 2) if check.quick else (200, 2)
    config = _train_config(check, 't', iters, epochs)
    work_dir = osp.join(check.work, 'train', 't-fp32')
    if not osp.isfile(osp.join(work_dir, f'epoch_{epochs}.pth')):
        raise FileNotFoundError('the T fp32 training did not leave its checkpoint')
    output = check.tool(osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', work_dir,
                        '--no-validate', '--resume', '--cfg-options',
                        f'train_cfg.max_epochs={epochs + 1}')
    restored = 'restored the random number generator states' in output
    if not restored:
        raise AssertionError('the resumed run did not restore the random states')
    metrics_file = osp.join(check.work, 'test_metrics.json')
    check.tool(osp.join(REPO, 'tools', 'test.py'), config,
               osp.join(work_dir, f'epoch_{epochs + 1}.pth'), '--work-dir',
               osp.join(check.work, 'test'), '--out', metrics_file)
    with open(metrics_file) as f:
        metrics = json.load(f)
    return dict(resumed_to_epoch=epochs + 1, rng_restored=restored,
                coco_ap=metrics.get('coco/AP'))


def dist_train(check: Check) -> dict:
    config = _train_config(check, 't', 2 if check.quick else 20, 1, name='t-dist')
    work_dir = osp.join(check.work, 'dist_train')
    output = check.tool('bash', osp.join(REPO, 'tools', 'dist_train.sh'), config, '1',
                        '--work-dir', work_dir, '--no-validate')
    backend = 'nccl' if check.device.type == 'cuda' else 'gloo'
    if not osp.isfile(osp.join(work_dir, 'epoch_1.pth')):
        raise AssertionError(f'dist_train.sh left no checkpoint: {output[-800:]}')
    return dict(backend=backend, processes=1)


def inference(check: Check) -> dict:
    work_dir = osp.join(check.work, 'train', 't-fp32')
    config = osp.join(check.work, 'configs', 't.py')
    ckpt = osp.join(work_dir, 'epoch_2.pth')
    if not osp.isfile(ckpt):
        raise FileNotFoundError('the T fp32 training did not leave its checkpoint')
    device = str(check.device)
    demo_out = osp.join(check.work, 'demo')
    check.tool(osp.join(REPO, 'tools', 'demo', 'topdown_demo.py'), config, ckpt, IMAGE,
               '--out-dir', demo_out, '--device', device)
    attention_out = osp.join(check.work, 'attention')
    check.tool(osp.join(REPO, 'tools', 'analysis', 'attention_maps.py'), config, ckpt, IMAGE,
               '--out-dir', attention_out, '--device', device)
    # ONNX: exported from the model on the device, compared with onnxruntime, TF32 off
    from tokenpose_mm.apis import init_pose_model
    from tokenpose_mm.deploy.onnx import export_onnx, sample_inputs, verify_onnx
    tf32_off()
    model = init_pose_model(config, ckpt, device)
    onnx_file = export_onnx(model, osp.join(check.work, 'tokenpose-t.onnx'))
    inputs = sample_inputs(model, [IMAGE]).to(check.device)
    difference = verify_onnx(onnx_file, model, inputs, atol=1e-4)
    return dict(demo=demo_out, attention=attention_out, onnx=onnx_file,
                onnx_max_abs_difference=difference)


def benchmark(check: Check) -> dict:
    """Every model measured together (interleaved), so each ratio is side by side."""
    device, quick = check.device, check.quick
    names = (('t', 'b', 'hrnet-w32', 'res50', 'vitpose-s') if quick
             else VARIANTS + BASELINES)
    batch, repeats, warmup = (2, 1, 0) if quick else (64, 5, 2)
    low = ('fp16', 'bf16') if device.type == 'cuda' else ('bf16', )
    models, rows = {}, {}
    for name in names:
        try:
            models[name] = build_pose_model(resolve_config(name), device)
        except Exception as e:  # noqa: BLE001  (recorded: e.g. ViTPose-S needs mmpretrain)
            rows[name] = dict(display=display_name(name), error=f'{type(e).__name__}: {e}')
    models['tmpose-b-0.6'] = build_pose_model(resolve_config('b'), device, TMPOSE)
    results: Dict[str, Dict[str, dict]] = {}

    def measure(mode: str, size: int, precisions) -> None:
        timed = compare_throughput(models, size, device, precisions, mode, warmup, repeats)
        for name, by_precision in timed.items():
            for p, t in by_precision.items():
                results.setdefault(name, {})[f'{mode} bs{size} {p}'] = dict(
                    median_ms=t['median_s'] * 1e3, images_per_s=t['images_per_s'])

    measure('forward', 1, ('fp32', *low))
    measure('forward', batch, ('fp32', *low))
    measure('train', batch, ('fp32', low[0]))
    if device.type == 'cuda':
        for name, model in models.items():
            inputs = synthetic_inputs(model, batch, device)
            results[name]['memory forward fp32 MiB'] = peak_memory_mib(
                forward_fn(model.eval(), inputs, 'fp32', device), device)['peak_mib']
            results[name]['memory train fp32 MiB'] = peak_memory_mib(
                train_step_fn(model.train(), inputs, synthetic_data_samples(model, batch, device),
                              'fp32', device), device, runs=2)['peak_mib']
    for name, figures in results.items():
        rows[name] = dict(display=display_name(name) if name in names else
                          'TMPose-B (random, keep 0.6)', **figures)
    ratios = {}
    for ours, theirs in RATIOS:
        key = f'forward bs{batch} fp32'
        if ours in results and theirs in results:
            ratios[f'{rows[ours]["display"]} / {rows[theirs]["display"]} throughput'] = (
                results[ours][key]['images_per_s'] / results[theirs][key]['images_per_s'])
    return dict(batch=batch, repeats=repeats, models=rows, ratios=ratios,
                training_low_precision=low[0])


# ------------------------------------------------------------------------------ report
def write_report(check: Check, info: dict) -> str:
    out_md = check.args.out
    os.makedirs(osp.dirname(osp.abspath(out_md)), exist_ok=True)
    previous = osp.splitext(out_md)[0] + '.json'
    if check.args.steps and osp.isfile(previous):  # a partial rerun: keep the other steps
        with open(previous) as f:
            old = json.load(f)
        if old.get('device') == str(check.device) and old.get('quick') == check.quick:
            new = {s['step']: s for s in check.steps}
            check.steps = [new.pop(s['step'], s) for s in old['steps']] + list(new.values())
    payload = dict(device=str(check.device), quick=check.quick, info=info,
                   seconds=round(time.time() - check.start, 1), steps=check.steps)
    with open(osp.splitext(out_md)[0] + '.json', 'w') as f:
        json.dump(payload, f, indent=1, default=str)
    label = ('CPU rehearsal: NOT a GPU result' if check.device.type == 'cpu'
             else f'{info.get("device_name")} (driver {info.get("driver")})')
    notes = ((['--quick: no warm-up, one timed round'] if check.quick else [])
             + (['CPU: no AMP, no peak memory'] if check.device.type == 'cpu' else []))
    lines = [f'# tools/gpu/check.py: {label}', '',
             f'`python tools/gpu/check.py --device {check.device}'
             f'{" --quick" if check.quick else ""}`, steps '
             f'{sum(st.get("seconds", 0) for st in check.steps):.0f} s in all, '
             f'{info.get("time_utc")}; Python {info.get("python")}, torch {info.get("torch")} '
             f'(CUDA {info.get("torch_cuda")}), mmcv {info.get("versions", {}).get("mmcv")} '
             f'({info.get("mmcv_ops")}), mmpose {info.get("versions", {}).get("mmpose")}, '
             f'tokenpose_mm {info.get("tokenpose_mm")}.', '',
             *([f'{"; ".join(notes)}: the timings prove the path, not the speed.', '']
               if notes else []),
             '| step | status | seconds | result |', '| --- | --- | ---: | --- |']
    bench = None
    for s in check.steps:
        if s['step'] == 'benchmark' and s['status'] == 'ok':
            bench = s
        shown = {k: v for k, v in s.items() if k not in ('step', 'status', 'seconds', 'info',
                                                         'traceback', 'models', 'checkpoint')}
        text = ', '.join(f'{k}: {_fmt(v)}' for k, v in shown.items())
        text = ' '.join(text.replace('|', '/').split())  # one table row
        lines.append(f'| {s["step"]} | {s["status"]} | {s.get("seconds", "")} | {text[:400]} |')
    if bench:
        columns = sorted({k for row in bench['models'].values() for k in row
                          if k not in ('display', 'error')})
        lines += ['', f'Benchmarks (medians of {bench["repeats"]} interleaved rounds; '
                  'ms per call for batch 1, images/s otherwise, MiB for memory):', '',
                  '| model | ' + ' | '.join(columns) + ' |',
                  '| --- | ' + ' | '.join('---:' for _ in columns) + ' |']
        for row in bench['models'].values():
            cells = []
            for c in columns:
                v = row.get(c)
                if isinstance(v, dict):
                    v = v['median_ms'] if ' bs1 ' in c else v['images_per_s']
                cells.append('-' if v is None else f'{v:.0f}' if v >= 100 else f'{v:.3g}')
            lines.append(f'| {row["display"]} | ' + ' | '.join(cells) + ' |'
                         + (f' ({row["error"][:120]})' if 'error' in row else ''))
        lines += [''] + [f'- {k}: {v:.2f}x' for k, v in bench['ratios'].items()]
    with open(out_md, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return out_md


def _fmt(value) -> str:
    if isinstance(value, float):
        return f'{value:.4g}'
    if isinstance(value, dict):
        return '{' + ', '.join(f'{k}: {_fmt(v)}' for k, v in value.items()) + '}'
    return str(value)


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
