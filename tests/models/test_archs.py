"""Every variant of the arch table: exact parameter counts, shapes, forward and backward."""
import dataclasses

import pytest
import torch

from tokenpose_mm.models import TOKENPOSE_ARCHS, get_arch

from ..conftest import COCO_CONFIGS, build_model

# DESIGN.md section 3: total parameters of the official models (all tensors, sine table included);
# L/D6 on COCO has no official config: the paper's 20.8M of its 3 x 2 build
OFFICIAL_PARAMS = {
    't': 5_865_600,
    's-v1': 6_669_888,
    's-v2': 6_374_976,
    'b': 13_514_368,
    'l-d6': 20_864_928,
    'l-d24': 27_531_552,
    'l-d24-384': 29_863_968,
    'l-d6-mpii': 21_492_448,
}


def test_table_covers_every_config():
    assert set(TOKENPOSE_ARCHS) == set(COCO_CONFIGS)


@pytest.mark.parametrize('arch', sorted(TOKENPOSE_ARCHS))
def test_variant_shapes_params_forward_backward(arch):
    spec = TOKENPOSE_ARCHS[arch]
    model = build_model(arch)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == OFFICIAL_PARAMS[arch]
    w, h = spec.input_size
    x = torch.rand(1, 3, h, w)
    model.train()
    heatmaps = model(x, None, mode='tensor')
    hw, hh = spec.heatmap_size
    assert heatmaps.shape == (1, spec.num_keypoints, hh, hw)
    heatmaps.square().mean().backward()
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert all(p.grad is not None for p in trainable)
    assert not model.neck.pos_embedding.requires_grad  # the fixed sine table


def test_l_d6_coco_is_the_papers_three_stacks_of_two():
    """L/D6 (COCO) is built as the official MPII L/D6: "D6" is the total depth of 3 stacks of 2
    layers with keypoint-token fusion and the 1-layer fused head; 20.8M without the sine table."""
    spec, mpii = TOKENPOSE_ARCHS['l-d6'], TOKENPOSE_ARCHS['l-d6-mpii']
    assert (spec.front_end, spec.depth, spec.num_stacks, spec.num_heads, spec.head_hidden_dims) \
        == ('hrnet-w48', 2, 3, 8, ()) == (mpii.front_end, mpii.depth, mpii.num_stacks,
                                          mpii.num_heads, mpii.head_hidden_dims)
    assert (spec.patch_size, spec.input_size, spec.num_keypoints) == ((4, 3), (192, 256), 17)
    model = build_model('l-d6')
    assert [len(stack.layers) for stack in model.neck.stacks] == [2, 2, 2]
    assert model.head.mlp[0].normalized_shape == (3 * 192, )  # the fused tokens
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == 20_815_776 == OFFICIAL_PARAMS['l-d6'] - model.neck.pos_embedding.numel()


def test_table_is_read_only_and_overrides_do_not_leak():
    with pytest.raises(TypeError):
        TOKENPOSE_ARCHS['b'] = TOKENPOSE_ARCHS['t']  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        TOKENPOSE_ARCHS['b'].depth = 3  # type: ignore[misc]
    small = build_model('b', cfg_options={'model.arch.depth': 2})
    assert len(small.neck.stacks[0].layers) == 2
    assert get_arch('b').depth == 12
    assert len(build_model('b').neck.stacks[0].layers) == 12


def test_unknown_arch_names_the_choices():
    with pytest.raises(KeyError, match="unknown TokenPose arch 'x'.*'b'"):
        get_arch('x')
    with pytest.raises(TypeError, match='not TokenPose arch fields'):
        get_arch('b', heads=3)
