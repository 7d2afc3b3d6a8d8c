"""TokenPose-S-v1 with the SimCC and RLE heads, built from their COCO configs (one encoder
layer, for speed) through MMPose's ``TopdownPoseEstimator``, on real crops of the COCO sample:
flip test, ONNX export with parity, and the complexity tool's count of the head."""
import copy
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.apis import init_model

from tokenpose_mm.analysis.complexity import true_macs
from tokenpose_mm.deploy import export_onnx, verify_onnx

from ..conftest import config_path, sample_data_options

CONFIGS = {
    'simcc': 'tokenpose/coco/td-simcc_tokenpose-s-v1_4xb32-300e_coco-256x192.py',
    'rle': 'tokenpose/coco/td-rle_tokenpose-s-v1_4xb32-300e_coco-256x192.py',
}
COCO_FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
W, H = 192, 256


@pytest.fixture(scope='module')
def crops(tmp_path_factory):
    """The 12 people of the COCO sample as preprocessed test crops with their samples."""
    cfg = Config.fromfile(config_path(CONFIGS['rle']))
    cfg.merge_from_dict(sample_data_options(CONFIGS['rle'], str(tmp_path_factory.mktemp('c')),
                                            batch_size=12))
    init_default_scope('mmpose')
    batch = next(iter(Runner.build_dataloader(cfg.test_dataloader)))
    model = init_model(config_path(CONFIGS['rle']), None, device='cpu')
    data = model.data_preprocessor(batch, False)
    return data['inputs'], data['data_samples']


@pytest.fixture(scope='module', params=sorted(CONFIGS))
def pose(request):
    model = init_model(config_path(CONFIGS[request.param]), None, device='cpu',
                       cfg_options={'model.arch.depth': 1})
    return request.param, model.eval()


def predict(model, inputs, samples) -> np.ndarray:
    """(B, K, 2) predicted keypoints in crop pixels (x, y)."""
    with torch.no_grad():
        results = model.predict(inputs, copy.deepcopy(samples))
    out = []
    for r in results:
        center, scale = r.metainfo['input_center'], r.metainfo['input_scale']
        out.append((r.pred_instances.keypoints[0] - (center - scale / 2)) / scale * [W, H])
    return np.stack(out)


def test_flip_test_gives_the_mirrored_pose_of_a_mirrored_crop(pose, crops):
    """A mirrored crop gives the mirrored pose with left and right swapped. The mirror is
    x -> w - 1 - x for RLE (MMPose's ``shift_coords``); for SimCC, MMPose reverses the x-bins,
    which maps bin i to w * r - 1 - i: x -> w - 1 / r - x."""
    kind, model = pose
    inputs, samples = crops[0][:4], crops[1][:4]
    assert all(list(s.metainfo['flip_indices']) == COCO_FLIP_INDICES for s in samples)
    axis = W - 1 / model.head.simcc_split_ratio if kind == 'simcc' else W - 1
    plain = predict(model, inputs, samples)
    mirrored = predict(model, inputs.flip(-1), samples)
    expected = plain[:, COCO_FLIP_INDICES].copy()
    expected[..., 0] = axis - expected[..., 0]
    assert np.abs(mirrored - expected).max() < 1e-3
    # the symmetry comes from the flip test: the model alone is not symmetric
    model.test_cfg['flip_test'] = False
    try:
        alone = predict(model, inputs, samples)
        alone_mirrored = predict(model, inputs.flip(-1), samples)
    finally:
        model.test_cfg['flip_test'] = True
    expected = alone[:, COCO_FLIP_INDICES].copy()
    expected[..., 0] = axis - expected[..., 0]
    assert np.abs(alone_mirrored - expected).max() > 1.0


def test_exports_to_onnx_with_parity(pose, crops, tmp_path):
    kind, model = pose
    inputs = crops[0][:3]
    out = export_onnx(model, str(tmp_path / f'{kind}.onnx'))
    names = [o.name for o in onnx.load(out).graph.output]
    shapes = {'simcc': [(17, 2 * W), (17, 2 * H)], 'rle': [(17, 4)]}[kind]
    assert names == list(model.head.onnx_output_names)
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    with torch.no_grad():
        expected = model(inputs, None, mode='tensor')
    expected = expected if isinstance(expected, tuple) else (expected, )
    for n in (1, 3):
        got = session.run(None, {'input': inputs[:n].numpy()})
        assert [g.shape[1:] for g in got] == shapes and all(len(g) == n for g in got)
        for g, e in zip(got, expected):
            assert np.abs(g - e[:n].numpy()).max() <= 1e-4
    assert verify_onnx(out, model, inputs) <= 1e-4


def head_linear_macs(head: torch.nn.Module, num_keypoints: int) -> int:
    """MACs of the head's Linear layers applied to each keypoint token (not those of the loss
    module: RLE's flow runs in training only)."""
    loss = set(head.loss_module.modules())
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear) and m not in loss]
    return sum(num_keypoints * m.in_features * m.out_features for m in linears)


def test_complexity_tool_counts_the_head(pose):
    kind, model = pose
    total, in_head = true_macs(model, torch.rand(1, 3, H, W), [model.head])
    macs = head_linear_macs(model.head, 17)
    assert in_head == macs and total > in_head
    outputs = {'simcc': 384 * 2 * W + 384 * 2 * H, 'rle': 384 * 4}[kind]
    assert macs == 17 * (192 * 384 + outputs)  # LN -> Linear(192, 384) -> LN -> outputs
