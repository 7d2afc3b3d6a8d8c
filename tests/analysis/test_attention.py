"""The paper's attention analysis on a converted official checkpoint and real images: maps per
layer over the visual-token grid, keypoint-token similarity, top-2 keypoints, readable PNGs."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmpose.apis import init_model

from tokenpose_mm.analysis.attention import (compute_attention, keypoint_token_similarity,
                                             top_attended_keypoints)
from tokenpose_mm.analysis.attention_figures import save_attention_figures

from ..conftest import COCO_TINY, MPII_TINY, config_path, converted_s_v1, run_tool

IMAGE = osp.join(MPII_TINY, '005808361.jpg')


@pytest.fixture(scope='module')
def pose(tmp_path_factory):
    return converted_s_v1(tmp_path_factory.mktemp('attention'))


def test_maps_cover_every_layer_and_the_patch_grid(pose):
    model = pose[2]
    result = compute_attention(model, IMAGE, [100, 40, 400, 420])
    L, K, (gh, gw) = 3, 17, model.neck.grid
    assert result.visual.shape == (L, K, gh, gw) == (3, 17, 16, 16)
    assert result.keypoint.shape == (L, K, K)
    # each keypoint token's attention over [keypoint tokens, visual tokens] sums to one
    total = result.visual.sum(axis=(2, 3)) + result.keypoint.sum(axis=2)
    assert np.allclose(total, 1, atol=1e-5)
    assert result.crop.shape == (256, 192, 3) and result.crop.dtype == np.uint8
    assert result.keypoints.shape == (17, 2) and result.names[9] == 'left_wrist'
    # the crop is the model input: it re-normalises to the tensor the network saw
    with torch.no_grad():
        heatmaps = model(torch.from_numpy(
            (result.crop - np.array([123.675, 116.28, 103.53])) / [58.395, 57.12, 57.375]
        ).permute(2, 0, 1)[None].float(), None, mode='tensor')
    peak = heatmaps[0, 0].flatten().argmax()
    assert abs(int(peak % 48) * 4 - result.keypoints[0, 0]) <= 8


def test_masked_tokens_are_blank(pose):
    cfg = {'model.arch.depth': 3,
           'model.neck.token_masking': dict(strategy='uniform', keep_ratio=0.5)}
    model = init_model(config_path('s-v1'), pose[1], device='cpu', cfg_options=cfg)
    result = compute_attention(model, IMAGE)
    blank = np.isnan(result.visual[0, 0])
    assert blank.sum() == 128
    assert np.allclose(np.nansum(result.visual, axis=(2, 3)) + result.keypoint.sum(2), 1,
                       atol=1e-5)


def test_similarity_and_top2(pose):
    model = pose[2]
    sim = keypoint_token_similarity(model.neck)
    tokens = model.neck.keypoint_tokens[0].detach()
    assert sim.shape == (17, 17) and np.allclose(sim, (tokens @ tokens.T).numpy(), atol=1e-5)
    attn = np.array([[.5, .1, .3, .1], [.2, .6, .1, .1], [.3, .3, .2, .2], [.1, .1, .7, .1]])
    assert top_attended_keypoints(attn).tolist() == [[2, 1], [0, 2], [0, 1], [2, 0]]


def test_tool_writes_readable_figures(pose, tmp_path, capsys):
    import matplotlib.image as mpimg
    out = tmp_path / 'figs'
    image = osp.join(COCO_TINY, '000000196141.jpg')
    code = run_tool('analysis', 'attention_maps', [
        pose[0], pose[1], image, '--out-dir', out, '--box', '330', '40', '470', '420',
        '--keypoints', 'nose', 'left_wrist', '16'])
    assert code == 0
    printed = capsys.readouterr().out
    assert 'top-2 most attended keypoints' in printed and 'left_wrist:' in printed
    for name in ('layer_attention', 'token_similarity', 'keypoint_constraints'):
        png = mpimg.imread(str(out / f'{name}.png'))
        assert png.shape[0] > 300 and png.shape[1] > 300 and png.std() > 0.05
    # bad requests name the value
    assert run_tool('analysis', 'attention_maps', [pose[0], pose[1], image, '--out-dir', out,
                                                   '--keypoints', 'left_paw']) == 1
    assert "unknown keypoint 'left_paw'" in capsys.readouterr().err
    assert run_tool('analysis', 'attention_maps', [pose[0], pose[1], tmp_path / 'x.jpg']) == 1
    assert 'image not found' in capsys.readouterr().err
    assert run_tool('analysis', 'attention_maps', [pose[0], pose[1], image, '--layers', '7']) == 1
    assert 'layer 7 out of range: the model has 3 layers' in capsys.readouterr().err


def test_top2_summary_names_joints(pose, tmp_path):
    out = save_attention_figures(pose[2], IMAGE, str(tmp_path), layers=[2])
    assert out['num_layers'] == 3
    assert set(out['top2']) == set(pose[2].dataset_meta['keypoint_id2name'].values())
    for joint, picks in out['top2'].items():
        assert len(picks) == 2 and joint not in picks


# ------------------------------------------------------------------- any device (CUDA)
def test_grid_of_maps_stays_on_their_device():
    """The maps of a model on another device (meta here, CUDA on a GPU) are laid on the grid
    there, with the kept indices of masked models too; no CPU tensor is indexed with them."""
    from tokenpose_mm.analysis.attention import _visual_grid
    full = _visual_grid(torch.rand(17, 256, device='meta'), 17, (16, 16), None)
    kept = torch.arange(0, 256, 2, device='meta')
    masked = _visual_grid(torch.rand(17, 128, device='meta'), 17, (16, 16), kept)
    assert full.device.type == masked.device.type == 'meta'
    assert full.shape == masked.shape == (17, 16, 16)


@pytest.mark.parametrize('masking', [None, dict(strategy='uniform', keep_ratio=0.5)])
def test_attention_maps_are_computed_where_the_model_lives(pose, masking):
    from tokenpose_mm.analysis.attention import attention_maps
    cfg = {'model.arch.depth': 3, 'model.neck.token_masking': masking}
    model = init_model(config_path('s-v1'), pose[1], device='cpu', cfg_options=cfg).to('meta')
    visual, keypoint, heatmaps = attention_maps(model, torch.empty(1, 3, 256, 192,
                                                                   device='meta'))
    assert visual.device.type == keypoint.device.type == heatmaps.device.type == 'meta'
    assert (visual.shape, keypoint.shape, heatmaps.shape) == (
        (3, 17, 16, 16), (3, 17, 17), (1, 17, 64, 48))


def test_tool_refuses_a_device_that_is_not_there(pose, tmp_path, capsys):
    code = run_tool('analysis', 'attention_maps', [
        pose[0], pose[1], IMAGE, '--out-dir', tmp_path,
        '--device', 'cuda:7' if torch.cuda.is_available() else 'cuda'])
    assert code == 1
    err = capsys.readouterr().err
    assert "--device 'cuda" in err and ('not available' in err or 'visible' in err)
