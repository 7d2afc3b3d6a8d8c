"""Steps ``train``, ``resume`` and ``dist``: the variants trained on the bundled COCO sample
(``tools/train.py``, fp32 and AMP), T resumed and evaluated (``tools/test.py``), and
``tools/dist_train.sh CONFIG 1``."""
import json
import math
import os
import os.path as osp
import re
import time
from typing import List, Optional

from .context import COCO_TINY, REPO, Check

TRAIN_VARIANTS = ('t', 's-v1', 'b', 'l-d24')


def _train_config(check: Check, arch: str, iters: int, epochs: int,
                  name: Optional[str] = None) -> str:
    """A config of ``arch`` that trains on the bundled sample: ``epochs`` epochs of
    ``iters // epochs`` batches of the 12 people, a checkpoint every epoch."""
    from tokenpose_mm.config_zoo import variant_config
    base = variant_config(arch)
    batch = 2 if check.quick else 12
    samples = (iters // epochs) * batch  # per epoch; the sample has 12 people
    times, indices = (1, samples) if samples <= 12 else (math.ceil(samples / 12), None)
    depth = 'model = dict(arch=dict(depth=2))  # --quick\n' if check.quick else ''
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
