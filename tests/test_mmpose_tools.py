"""MMPose's own tools and plain loaders work with our configs and checkpoints: browse_dataset
(train and val phases, every config), publish_model (through mim), ``torch.load(weights_only=
True)`` without any allow-list, and drawing where MMPose builds ``PoseLocalVisualizer`` itself."""
import glob
import os
import pickle
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from mmengine.logging import HistoryBuffer

from tokenpose_mm.engine.hooks.plain_checkpoint import PLAIN_TYPES_KEY, from_plain
from tokenpose_mm.utils import load_checkpoint_file

from .conftest import COCO_TINY, CONFIGS, DATA, MPII_TINY, build_model, write_mpii_headboxes
from .engine.runner_utils import tiny_runner
from .test_dataset_configs import DATASET_CONFIGS

# a process that knows nothing of tokenpose_mm: torch's own weights-only unpickler
PLAIN_LOAD = ('import sys, torch; c = torch.load(sys.argv[1], weights_only=True); '
              'print(sorted(c))')


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch (2 iterations) of the tiny runner: its checkpoint and the runner."""
    work = tmp_path_factory.mktemp('plain')
    runner = tiny_runner(work, {'train_cfg.max_epochs': 1})
    runner.train()
    return str(work / 'epoch_1.pth'), runner


def test_checkpoints_load_weights_only_without_allow_list(trained):
    path, _ = trained
    result = subprocess.run([sys.executable, '-c', PLAIN_LOAD, path], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    for key in ('meta', 'message_hub', 'random_state', 'state_dict', PLAIN_TYPES_KEY):
        assert repr(key) in result.stdout


def test_plain_checkpoint_restores_what_the_runner_saved(trained):
    """What resume reads comes back as the Runner's own objects: the dataset metainfo pickles
    as the dataset's (MMEngine's own comparison at resume), HistoryBuffers with their dtypes,
    NumPy's RNG state as an array."""
    path, runner = trained
    saved = load_checkpoint_file(path)
    assert isinstance(saved['meta']['dataset_meta']['sigmas'], list)  # as saved: plain
    assert from_plain(saved)['meta']['dataset_meta']['sigmas'].dtype == np.float32
    checkpoint = runner.load_checkpoint(path)  # the Runner's load, as --resume: the hooks run
    assert PLAIN_TYPES_KEY not in checkpoint
    dataset_meta = runner.train_dataloader.dataset.metainfo
    assert pickle.dumps(checkpoint['meta']['dataset_meta']) == pickle.dumps(dataset_meta)
    scalars = checkpoint['message_hub']['log_scalars']
    assert scalars and all(isinstance(v, HistoryBuffer) for v in scalars.values())
    for key, buffer in scalars.items():
        for saved, live in zip(buffer.data, runner.message_hub.log_scalars[key].data):
            assert saved.dtype == live.dtype and np.array_equal(saved, live), key
    numpy_state = checkpoint['random_state']['numpy']
    assert isinstance(numpy_state, tuple) and numpy_state[1].dtype == np.uint32


def test_publish_model_through_mim(trained, tmp_path):
    path, _ = trained
    out = tmp_path / 'published.pth'
    mim = os.path.join(os.path.dirname(sys.executable), 'mim')
    result = subprocess.run([mim, 'run', 'mmpose', 'publish_model', path, str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for _ in range(50):  # publish_model renames its output in a background `mv`
        published = glob.glob(str(tmp_path / 'published-*.pth'))
        if published:
            break
        time.sleep(0.1)
    assert len(published) == 1
    result = subprocess.run([sys.executable, '-c', PLAIN_LOAD, published[0]],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "['meta', 'state_dict']" in result.stdout, result.stderr
    model = build_model('tokenpose/coco/td-hm_tokenpose-s-v1_1xb8-80e_coco-tiny-256x192.py',
                        {'model.arch.depth': 1}, checkpoint=published[0])
    assert model.dataset_meta['num_keypoints'] == 17


BROWSE = textwrap.dedent('''
    import runpy, sys
    from mmpose.apis import __file__ as mmpose_apis
    import os.path as osp
    tool = osp.join(osp.dirname(osp.dirname(mmpose_apis)), '.mim', 'tools', 'misc',
                    'browse_dataset.py')
    for config, out, phases in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
        for phase in phases.split(','):
            sys.argv = [tool, config, '--phase', phase, '--not-show', '--max-item-per-dataset',
                        '1', '--output-dir', osp.join(out, phase)]
            runpy.run_path(tool, run_name='__main__')
''')


def _on_sample_data(config: str, folder: str) -> str:
    """A config that reads ``config`` with its datasets moved onto the bundled samples (the
    tiny sample configs find theirs already)."""
    if 'tiny' in config:
        return config
    mpii = '/mpii/' in config
    root, ann = (MPII_TINY, 'test_mpii.json') if mpii else (COCO_TINY, 'test_coco.json')
    images = ''
    train = val = (root, ann, images)
    name = os.path.relpath(config, CONFIGS)
    if name in DATASET_CONFIGS:  # another dataset family: its own sample (OCHuman trains on COCO)
        sample, ann, images, _ = DATASET_CONFIGS[name]
        val = (os.path.join(DATA, sample), ann, images)
        train = (COCO_TINY, 'test_coco.json', '') if sample == 'ochuman' else val

    def data(root: str, ann: str, images: str) -> str:
        return f"data_root={root + '/'!r}, ann_file={ann!r}, data_prefix=dict(img={images!r})"

    boxes = (f', headbox_file={write_mpii_headboxes(os.path.join(folder, "h.mat"))!r}'
             if mpii else ', bbox_file=None')
    wrapper = os.path.join(folder, 'config.py')
    with open(wrapper, 'w') as f:
        f.write(f'_base_ = [{config!r}]\n'
                f'train_dataloader = dict(dataset=dict({data(*train)}))\n'
                f'val_dataloader = dict(dataset=dict({data(*val)}{boxes}))\n')
    return wrapper


def _phases(config: str) -> tuple:
    """The phases browse_dataset can read. Known gap: the main job's sample config trains on a
    RepeatDataset, which MMPose's browse_dataset cannot read (it sets the wrapper's pipeline);
    its train phase is left out until that config trains without the wrapper."""
    return ('val', ) if config.endswith('td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py') \
        else ('train', 'val')


def test_browse_dataset_on_every_config(tmp_path):
    configs = sorted(p for p in glob.glob(os.path.join(CONFIGS, '**', '*.py'), recursive=True)
                     if '_base_' not in p)
    args = []
    for i, config in enumerate(configs):
        folder = tmp_path / str(i)
        folder.mkdir()
        args += [_on_sample_data(config, str(folder)), str(folder / 'vis'),
                 ','.join(_phases(config))]
    result = subprocess.run([sys.executable, '-c', BROWSE, *args], capture_output=True,
                            text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for i, config in enumerate(configs):
        for phase in _phases(config):
            drawn = glob.glob(str(tmp_path / str(i) / 'vis' / phase / '*'))
            assert drawn, f'browse_dataset drew nothing for {config} ({phase})'


def test_mmpose_draws_with_its_own_visualizer(tmp_path):
    """MMPose's ``visualize`` and the way MMDeploy's ``deploy.py`` draws (``PoseLocalVisualizer``
    built directly, not from the config) work under NumPy >= 2.4 once tokenpose_mm is imported."""
    import tokenpose_mm  # noqa: F401  (as a config's custom_imports does)
    from mmengine.structures import InstanceData
    from mmpose.apis import visualize
    from mmpose.apis.inference import dataset_meta_from_config
    from mmpose.structures import PoseDataSample
    from mmpose.visualization import PoseLocalVisualizer

    image = np.zeros((64, 48, 3), np.uint8)
    keypoints = np.stack([np.linspace(5, 40, 17), np.linspace(5, 60, 17)], axis=1)[None]
    drawn = visualize(image, keypoints, metainfo='configs/_base_/datasets/coco.py')
    assert drawn.shape[0] == 64 and drawn.any()  # gt and prediction panels side by side

    model = build_model('t')
    visualizer = PoseLocalVisualizer(name='deploy-like', save_dir=str(tmp_path))
    visualizer.set_dataset_meta(dataset_meta_from_config(model.cfg, dataset_mode='test'))
    sample = PoseDataSample(pred_instances=InstanceData(
        keypoints=keypoints, keypoint_scores=np.ones((1, 17)),
        bboxes=np.array([[0., 0., 47., 63.]])))
    out = tmp_path / 'drawn.jpg'
    visualizer.add_datasample('x', image, data_sample=sample, draw_gt=False, draw_bbox=True,
                              show=False, out_file=str(out))
    assert out.exists()
