"""TokenPoseSimCCHead and TokenPoseRLEHead on TokenPose's keypoint tokens, with MMPose's
SimCCLabel / KLDiscretLoss and RegressionLabel / RLELoss: every variant (the fused tokens of
the stacked L included, TMPose masking and pruning too), training on codec targets and decoding
back to the known keypoints."""
from typing import Dict, List

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample

import tokenpose_mm  # noqa: F401  (registers the heads)
from tokenpose_mm.models.archs import TOKENPOSE_ARCHS, get_arch

HEADS = {
    'simcc': ('TokenPoseSimCCHead', dict(type='SimCCLabel', sigma=6.0, simcc_split_ratio=2.0)),
    'rle': ('TokenPoseRLEHead', dict(type='RegressionLabel')),
}


def build_head(kind: str, arch: str):
    """The head of variant ``arch`` with its codec at the variant's input size."""
    head_type, codec_cfg = HEADS[kind]
    codec = dict(codec_cfg, input_size=get_arch(arch).input_size)
    head = MODELS.build(dict(type=head_type, arch=arch, decoder=codec))
    head.init_weights()
    return head, KEYPOINT_CODECS.build(codec)


def samples(codec, keypoints: np.ndarray) -> List[PoseDataSample]:
    """One PoseDataSample per (K, 2) crop keypoints, with the codec's targets as PackPoseInputs
    packs them, and the metainfo MMPose's heads read."""
    w, h = codec.input_size
    out = []
    for person in keypoints:
        encoded = codec.encode(person[None], np.ones((1, len(person)), np.float32))
        sample = PoseDataSample(metainfo=dict(
            input_size=(w, h), input_center=np.array([w / 2, h / 2]),
            input_scale=np.array([w, h], np.float32), flip_indices=list(range(len(person)))))
        sample.gt_instance_labels = InstanceData(
            **{k: torch.from_numpy(v) for k, v in encoded.items()})
        out.append(sample)
    return out


def known_keypoints(num: int, num_keypoints: int, input_size, seed: int = 0) -> np.ndarray:
    """(num, K, 2) keypoints spread over the crop, 8 pixels away from its borders."""
    w, h = input_size
    rng = np.random.default_rng(seed)
    return rng.uniform([8, 8], [w - 9, h - 9], (num, num_keypoints, 2)).astype(np.float32)


@pytest.mark.parametrize('kind', sorted(HEADS))
@pytest.mark.parametrize('arch', sorted(TOKENPOSE_ARCHS))
def test_every_variant_reads_its_keypoint_tokens(kind, arch):
    spec = get_arch(arch)
    head, codec = build_head(kind, arch)
    width = spec.dim * spec.num_stacks  # L: the fused tokens of three stacks
    assert head.in_channels == width and head.out_channels == spec.num_keypoints
    tokens = torch.randn(2, spec.num_keypoints, width)
    out = head(tokens)
    w, h = spec.input_size
    if kind == 'simcc':
        assert [tuple(o.shape) for o in out] == [(2, spec.num_keypoints, 2 * w),
                                                 (2, spec.num_keypoints, 2 * h)]
    else:
        assert out.shape == (2, spec.num_keypoints, 4)
    with pytest.raises(ValueError, match=r'expects \(B, K, C\) keypoint tokens with '
                                         rf'\(K, C\)=\({spec.num_keypoints}, {width}\), got'):
        head(torch.randn(2, spec.num_keypoints, width + 1))


@pytest.mark.parametrize('kind', sorted(HEADS))
@pytest.mark.parametrize('arch, masking', [
    ('b', dict(strategy='random', keep_ratio=0.6)),
    ('l-d24', dict(strategy='uniform', keep_ratio=0.6)),
    ('l-d24', dict(strategy='attention', keep_ratio=0.8, layers=(1, 3))),
])
def test_heads_train_on_masked_and_pruned_tokens(kind, arch, masking):
    """The neck with TMPose masking / attention pruning feeds the head: loss and flip-test
    prediction work on the kept tokens."""
    spec = get_arch(arch)
    neck = MODELS.build(dict(type='TokenPoseNeck', arch=dict(name=arch, depth=2),
                             token_masking=masking))
    head, codec = build_head(kind, arch)
    fh, fw = spec.feature_size
    feats = (torch.randn(2, spec.in_channels, fh, fw), )
    data = samples(codec, known_keypoints(2, spec.num_keypoints, spec.input_size))
    losses = head.loss(neck(feats), data)
    assert torch.isfinite(losses['loss_kpt'])
    losses['loss_kpt'].backward()
    assert neck.keypoint_tokens.grad.abs().sum() > 0  # the loss reaches the keypoint tokens
    neck.eval()
    with torch.no_grad():
        preds = head.predict([neck(feats), neck([f.flip(-1) for f in feats])], data,
                             {'flip_test': True})
    assert preds[0].keypoints.shape == (1, spec.num_keypoints, 2)


def fit(head, tokens: torch.Tensor, data, steps: int, lr: float) -> Dict[str, float]:
    """Adam on the head (and the loss module's parameters, RLE's flow) for ``steps``, the lr
    decaying linearly to 0; the mean loss of the first and of the last 10 steps."""
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    losses = []
    for _ in range(steps):
        loss = head.loss(tokens, data)['loss_kpt']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(float(loss.detach()))
    return {'first': float(np.mean(losses[:10])), 'last': float(np.mean(losses[-10:]))}


@pytest.mark.parametrize('kind, lr', [('simcc', 1e-3), ('rle', 1e-4)])
def test_training_lowers_the_loss_and_known_keypoints_decode_within_a_pixel(kind, lr):
    """Fixed keypoint tokens of 2 people, the codec's targets of keypoints at known crop
    positions: training the head lowers the loss, and ``predict`` (the head's decoder, flip
    test off) gives those positions back within a pixel. (RLE's likelihood sharpens as its
    sigmas shrink: at lr 1e-3 a few keypoints are left behind, at 1e-4 all fit.)"""
    arch = 's-v1'
    head, codec = build_head(kind, arch)
    keypoints = known_keypoints(2, 17, codec.input_size)
    data = samples(codec, keypoints)
    tokens = torch.randn(2, 17, head.in_channels)
    losses = fit(head, tokens, data, 300, lr)
    assert losses['last'] < losses['first'] - 0.5 * abs(losses['first'])
    head.eval()
    with torch.no_grad():
        preds = head.predict((tokens, ), data, {})
    decoded = np.stack([p.keypoints[0] for p in preds])
    error = np.abs(decoded - keypoints).max()
    assert error <= 1.0, f'max error {error:.2f} px'
