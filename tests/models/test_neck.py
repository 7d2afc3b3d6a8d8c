"""The keypoint-token neck: patching, positional encodings, stacking, attention maps, errors."""
import math

import pytest
import torch

from tokenpose_mm.models import TokenPoseNeck
from tokenpose_mm.models.layers import sine_positional_encoding


def small_neck(arch: str = 'b', **kwargs):
    """A neck of variant ``arch`` with 2 layers; arch fields in ``kwargs`` go to its arch dict."""
    module_args = ('in_channels', 'feature_size', 'pos_encoding', 'token_masking')
    fields = {k: kwargs.pop(k) for k in list(kwargs) if k not in module_args}
    fields.setdefault('depth', 2)
    return TokenPoseNeck(arch=dict(name=arch, **fields), **kwargs).eval()


def test_patch_embedding_is_channel_last_row_major():
    neck = small_neck(in_channels=2, feature_size=(4, 6), patch_size=(2, 3))
    x = torch.arange(2 * 4 * 6, dtype=torch.float32).reshape(1, 2, 4, 6)
    with torch.no_grad():  # the first 12 outputs copy the flattened patch
        neck.patch_embed.weight.zero_()
        neck.patch_embed.weight[:12] = torch.eye(12)
        neck.patch_embed.bias.zero_()
    tokens = neck.embed(x)  # (1, 4 patches, 192)
    # patch (row 0, col 1): rows 0-1, columns 3-5, flattened (p_row, p_col, channel)
    expected = torch.stack([x[0, :, r, c] for r in range(2) for c in range(3, 6)]).flatten()
    assert torch.equal(tokens[0, 1, :12], expected)
    assert tokens.shape == (1, 4, 192)


def test_sine_table_formula():
    pos = sine_positional_encoding(2, 3, 8)
    y, x = 2 / (2 + 1e-6) * 2 * math.pi, 1 / (3 + 1e-6) * 2 * math.pi  # cell (row 2, col 1)
    t = [10000**(2 * (i // 2) / 4) for i in range(4)]
    expected = [math.sin(y / t[0]), math.cos(y / t[1]), math.sin(y / t[2]), math.cos(y / t[3]),
                math.sin(x / t[0]), math.cos(x / t[1]), math.sin(x / t[2]), math.cos(x / t[3])]
    assert torch.allclose(pos[3], torch.tensor(expected), atol=1e-6)


@pytest.mark.parametrize('pos_encoding', ['sine-full', 'sine', 'learnable', 'none'])
def test_positional_encodings_keep_keypoint_tokens(pos_encoding):
    neck = small_neck(pos_encoding=pos_encoding)
    tokens, = neck(torch.rand(2, 32, 64, 48))
    assert tokens.shape == (2, 17, 192)
    if pos_encoding == 'none':  # unlike the official code, the keypoint tokens stay
        assert neck.pos_embedding is None


def test_sine_full_readds_before_every_layer_but_the_first():
    neck = small_neck(depth=3)
    x = torch.rand(1, 32, 64, 48)
    seen = []
    for layer in neck.stacks[0].layers:
        layer.register_forward_pre_hook(lambda m, args: seen.append(args[0][:, 17:].clone()))
    with torch.no_grad():
        neck(x)
        embedded = neck.embed(x) + neck.pos_embedding
        layer0_out, _ = neck.stacks[0].layers[0](
            torch.cat([neck.keypoint_tokens, embedded], 1))
    assert torch.allclose(seen[0], embedded)
    assert torch.allclose(seen[1], layer0_out[:, 17:] + neck.pos_embedding, atol=1e-6)


def test_learnable_encoding_covers_keypoint_and_visual_tokens():
    neck = small_neck(pos_encoding='learnable')
    assert neck.pos_embedding.shape == (1, 17 + 256, 192)
    assert neck.pos_embedding.requires_grad


def test_runs_on_any_backbone_channel_count_and_feature_size():
    neck = small_neck(in_channels=2048, feature_size=(8, 6), patch_size=(1, 1))
    tokens, = neck((torch.rand(1, 1024, 8, 6), torch.rand(1, 2048, 8, 6)))  # a ResNet's last stage
    assert tokens.shape == (1, 17, 192)


def test_fusion_concatenates_stacks():
    neck = TokenPoseNeck(arch=dict(name='l-d24', depth=1)).eval()
    tokens, = neck(torch.rand(1, 48, 64, 48))
    assert tokens.shape == (1, 17, 3 * 192)


def test_attention_maps_are_opt_in_and_match_fused_path():
    neck = small_neck(depth=2)
    x = torch.rand(1, 32, 64, 48)
    with torch.no_grad():
        (plain, ), = [neck(x)]
        (tokens, ), maps, kept = neck.forward_with_attention(x)
    assert kept is None
    assert len(maps) == 2 and maps[0].shape == (1, 8, 17 + 256, 17 + 256)
    assert torch.allclose(maps[0].sum(-1), torch.ones(1, 8, 273), atol=1e-5)
    assert torch.allclose(plain, tokens, atol=1e-5)


def test_encoder_runs_on_scaled_dot_product_attention():
    """Without attention maps the encoder calls torch's fused attention, once per layer."""
    neck = small_neck(depth=2)
    with torch.no_grad(), torch.profiler.profile() as profile:
        neck(torch.rand(1, 32, 64, 48))
    calls = {event.key: event.count for event in profile.key_averages()}
    assert calls.get('aten::scaled_dot_product_attention') == 2


def test_per_dim_scale_of_s():
    neck = small_neck('s-v1', depth=1)
    assert neck.stacks[0].layers[0].attn.scale == pytest.approx(192**-0.5)
    assert small_neck('b', depth=1).stacks[0].layers[0].attn.scale == pytest.approx(24**-0.5)


@pytest.mark.parametrize('kwargs, message', [
    (dict(patch_size=(5, 3)), r'patch_size \(h, w\)=\(5, 3\) does not divide the feature map'),
    (dict(pos_encoding='rope'), "unknown pos_encoding 'rope'"),
    (dict(num_heads=7), 'num_heads=7 must divide the token dim 192'),
    (dict(attn_scale='x'), "attn_scale must be 'head' or 'dim'"),
])
def test_build_time_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_neck(**kwargs)


def test_wrong_feature_map_is_named():
    with pytest.raises(ValueError, match=r'expects feature maps of \(C, H, W\)=\(32, 64, 48\), got'):
        small_neck()(torch.rand(1, 48, 64, 48))
