"""The main job: train TokenPose, evaluate it with COCO AP, run top-down inference, visualize.

    python tools/main_job.py                      # TokenPose-T (128x96) on the bundled real COCO sample
    python tools/main_job.py --config CFG --data-root data/coco/ --work-dir work_dirs/run

With no arguments it trains on 4 real COCO images (12 people) for a short schedule on the CPU,
evaluates COCO AP on them, runs MMPose's ``Pose2DInferencer`` (ours: strict, safe loading) with
the trained checkpoint on a sample image and saves the drawn result. Everything is written under ``--work-dir``;
a work dir holding an earlier run's checkpoints is refused unless ``--force``.
"""
import argparse
import glob
import json
import os.path as osp
import sys
import time

import mmcv
import numpy as np
from mmengine.runner import Runner

from tokenpose_mm.apis import TokenPoseInferencer, write_json
from tokenpose_mm.cli import (CfgOptionsAction, check_work_dir_free, load_config, run_cli,
                              set_launcher)
from tokenpose_mm.utils import check_output_file, replacing

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(REPO, 'configs/tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py')
DEFAULT_IMAGE = osp.join(REPO, 'tests/data/coco_tiny/000000196141.jpg')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='training config')
    parser.add_argument('--data-root', help='dataset root replacing the config\'s data_root '
                        '(keeps its ann_file and image folders)')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'main_job'))
    parser.add_argument('--force', action='store_true', help='train again in a work dir that '
                        "holds an earlier run's checkpoints, overwriting them")
    parser.add_argument('--image', default=DEFAULT_IMAGE, help='image for the inference demo')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(argv)


def replace_data_root(cfg, data_root: str) -> None:
    """Point every dataloader and COCO evaluator of ``cfg`` at ``data_root``."""
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'--data-root is not a directory: {data_root!r}')
    old = cfg.get('data_root', None)
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(split):
            continue
        dataset = cfg[split].dataset
        while 'dataset' in dataset and 'data_root' not in dataset:  # RepeatDataset and the like
            dataset = dataset.dataset
        dataset.data_root = data_root
        bbox_file = dataset.get('bbox_file')
        if bbox_file and old and bbox_file.startswith(old):
            dataset.bbox_file = osp.join(data_root, bbox_file[len(old):])
    for key in ('val_evaluator', 'test_evaluator'):
        ev = cfg.get(key)
        if ev and ev.get('ann_file') and old and ev.ann_file.startswith(old):
            ev.ann_file = osp.join(data_root, ev.ann_file[len(old):])


def person_boxes(cfg, image: str) -> np.ndarray:
    """Ground-truth person boxes (x1, y1, x2, y2) of ``image`` in the val annotations, or the
    whole image when it has none."""
    ds = cfg.test_dataloader.dataset
    ann_path = osp.join(ds.data_root, ds.ann_file)
    boxes = []
    if osp.isfile(ann_path):
        coco = json.load(open(ann_path))
        ids = [im['id'] for im in coco['images'] if im['file_name'] == osp.basename(image)]
        boxes = [a['bbox'] for a in coco['annotations']
                 if a['image_id'] in ids and a.get('num_keypoints', 0) > 0]
    if not boxes:
        h, w = mmcv.imread(image).shape[:2]
        return np.array([[0, 0, w, h]], dtype=np.float32)
    boxes = np.array(boxes, dtype=np.float32)
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    cfg = load_config(args.config, args.cfg_options)
    if args.data_root:
        replace_data_root(cfg, args.data_root)
    cfg.work_dir = args.work_dir
    set_launcher(cfg, 'none')
    if not osp.isfile(args.image):
        raise FileNotFoundError(f'--image not found: {args.image!r}')
    check_work_dir_free(cfg.work_dir, False, args.force)
    out_image = osp.join(cfg.work_dir, 'vis', osp.basename(args.image))
    check_output_file(out_image, [args.image, args.config], 'drawing')

    print(f'[main] 1/3 training {osp.basename(args.config)} for {cfg.train_cfg.max_epochs} '
          f'epochs; logs in {cfg.work_dir}', flush=True)
    runner = Runner.from_cfg(cfg)
    runner.train()
    print('[main] 2/3 evaluating the final weights', flush=True)
    metrics = runner.test()
    checkpoints = sorted(glob.glob(osp.join(cfg.work_dir, 'epoch_*.pth')), key=osp.getmtime)
    checkpoint = checkpoints[-1]

    print(f'[main] 3/3 top-down inference with {checkpoint} on {args.image}', flush=True)
    # MMPose's Pose2DInferencer with strict, safe loading (tokenpose_mm.apis)
    inferencer = TokenPoseInferencer(args.config, checkpoint, 'cpu', cfg_options=args.cfg_options)
    result = inferencer.predict(args.image, person_boxes(cfg, args.image))
    with replacing(out_image, 'drawing') as partial:
        mmcv.imwrite(inferencer.draw(args.image, result), partial)

    summary = dict(config=args.config, work_dir=cfg.work_dir, checkpoint=checkpoint,
                   metrics={k: float(v) for k, v in metrics.items()}, visualization=out_image,
                   people=len(result.instances), seconds=round(time.time() - start, 1))
    write_json(osp.join(cfg.work_dir, 'main_job.json'), summary, indent=2)  # NaN -> null
    print('[main] done in {seconds}s\n  COCO AP: {ap:.3f}\n  checkpoint: {checkpoint}\n'
          '  visualization ({people} people): {visualization}\n  summary: {json}'.format(
              ap=summary['metrics'].get('coco/AP', float('nan')),
              json=osp.join(cfg.work_dir, 'main_job.json'), **summary))
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
