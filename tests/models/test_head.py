"""The heatmap head: MLP shapes, loss, flip test, decoding and MMPose's prediction format."""
import numpy as np
import pytest
import torch
from mmpose.structures import PoseDataSample
from mmengine.structures import InstanceData, PixelData

from tokenpose_mm.models import TokenPoseHead

CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2,
             unbiased=True, blur_kernel_size=11)
FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def samples(n=2):
    out = []
    for _ in range(n):
        s = PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES))
        s.gt_fields = PixelData(heatmaps=torch.rand(17, 64, 48))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, 17))
        out.append(s)
    return out


def test_two_and_one_layer_mlps():
    assert [type(m).__name__ for m in TokenPoseHead('b').mlp] == ['LayerNorm', 'Linear'] * 2
    assert TokenPoseHead('b').mlp[1].out_features == 384
    one = TokenPoseHead('l-d24')
    assert len(one.mlp) == 2 and one.mlp[0].normalized_shape == (576, )
    assert one(torch.rand(2, 17, 576)).shape == (2, 17, 64, 48)


def test_forward_is_row_major():
    head = TokenPoseHead(dict(name='b', head_hidden_dims=()))
    with torch.no_grad():
        head.mlp[1].weight.zero_()
        head.mlp[1].bias.copy_(torch.arange(64 * 48, dtype=torch.float32))
    heatmaps = head(torch.rand(1, 17, 192))
    assert heatmaps[0, 0, 1, 0] == 48  # row 1, column 0


def test_loss_and_accuracy():
    head = TokenPoseHead('b', decoder=CODEC)
    losses = head.loss((torch.rand(2, 17, 192), ), samples())
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    losses['loss_kpt'].backward()
    assert head.mlp[3].weight.grad is not None


@pytest.mark.parametrize('shift', [False, True])
def test_flip_test_averages_flipped_heatmaps(shift):
    head = TokenPoseHead('b', decoder=CODEC).eval()
    feats, feats_flip = (torch.rand(2, 17, 192), ), (torch.rand(2, 17, 192), )
    cfg = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=shift, output_heatmaps=True)
    preds, fields = head.predict([feats, feats_flip], samples(), test_cfg=cfg)
    flipped = head(feats_flip).flip(-1)[:, FLIP_INDICES]
    if shift:
        flipped[..., 1:] = flipped[..., :-1].clone()
    expected = (head(feats) + flipped) / 2
    assert torch.allclose(fields[0].heatmaps, expected[0], atol=1e-6)
    assert preds[0].keypoints.shape == (1, 17, 2) and preds[0].keypoint_scores.shape == (1, 17)


def test_prediction_without_heatmaps_by_default():
    head = TokenPoseHead('b', decoder=CODEC).eval()
    preds = head.predict((torch.rand(2, 17, 192), ), samples(), test_cfg={})
    assert isinstance(preds, list) and isinstance(preds[0].keypoints, np.ndarray)


def test_heatmap_size_follows_the_decoder_and_a_contradiction_is_refused():
    codec = dict(CODEC, heatmap_size=(72, 96), input_size=(288, 384))
    head = TokenPoseHead('b', decoder=codec)
    assert head.heatmap_size == (72, 96) and head.mlp[-1].out_features == 72 * 96
    with pytest.raises(ValueError, match=r'decoder heatmap_size \(w, h\)=\(72, 96\) differs '
                       r'from the heatmap_size \(w, h\)=\(48, 64\)'):
        TokenPoseHead(dict(name='b', heatmap_size=(48, 64)), decoder=codec)


def test_wrong_tokens_are_named():
    with pytest.raises(ValueError, match=r'\(K, C\)=\(17, 192\), got \(\d+, 16, 192\)'):
        TokenPoseHead('b')(torch.rand(1, 16, 192))
