"""TMPose token masking and attention-guided pruning in the neck."""
import pytest
import torch

from tokenpose_mm.models import TokenPoseNeck
from tokenpose_mm.models.layers import TokenMasking
from tokenpose_mm.models.layers.token_masking import num_kept, uniform_indices

GRID = (16, 16)


def neck(strategy=None, keep=0.6, **kwargs):
    masking = None if strategy is None else dict(strategy=strategy, keep_ratio=keep, **kwargs)
    return TokenPoseNeck(arch='b', depth=3, token_masking=masking)


@pytest.mark.parametrize('strategy', ['random', 'uniform', 'block'])
def test_kept_positions_are_sorted_unique_and_counted(strategy):
    masking = TokenMasking(strategy, 0.6).train()
    idx = masking(4, GRID, torch.device('cpu'))
    assert idx.shape == (4, num_kept(256, 0.6)) == (4, 153)
    for row in idx:
        assert torch.equal(row, row.unique())  # sorted and distinct
        assert 0 <= row.min() and row.max() < 256


def test_uniform_is_evenly_spaced_and_shared():
    idx = TokenMasking('uniform', 0.5).train()(3, GRID, torch.device('cpu'))
    assert torch.equal(idx[0], torch.arange(0, 256, 2))
    assert torch.equal(idx[0], idx[2])
    assert torch.equal(uniform_indices(10, 4), torch.tensor([0, 2, 5, 7]))


def test_random_draws_fresh_subsets_in_training():
    masking = TokenMasking('random', 0.6).train()
    a, b = masking(2, GRID, torch.device('cpu')), masking(2, GRID, torch.device('cpu'))
    assert not torch.equal(a, b)
    assert not torch.equal(a[0], a[1])


def test_block_drops_contiguous_zones():
    idx = TokenMasking('block', 0.5).train()(1, GRID, torch.device('cpu'))[0]
    dropped = torch.ones(256, dtype=torch.bool)
    dropped[idx] = False
    grid = dropped.reshape(GRID)
    # a dropped token mostly has dropped 4-neighbours (blocks, not salt-and-pepper)
    neighbours = (grid[1:, :] & grid[:-1, :]).sum() + (grid[:, 1:] & grid[:, :-1]).sum()
    assert neighbours > 0.5 * 2 * grid.sum()


@pytest.mark.parametrize('strategy', ['random', 'uniform', 'block'])
def test_masked_neck_keeps_keypoint_tokens_and_own_positions(strategy):
    model = neck(strategy).train()
    x = torch.rand(2, 32, 64, 48)
    seen = []
    model.stacks[0].layers[1].register_forward_pre_hook(lambda m, a: seen.append(a[0]))
    torch.manual_seed(1)
    (tokens, ), _, kept = model.forward_with_attention(x)
    assert tokens.shape == (2, 17, 192) and kept.shape == (2, 153)
    assert seen[0].shape == (2, 17 + 153, 192)
    # layer 0 saw the kept visual tokens with their own grid encodings
    torch.manual_seed(1)
    with torch.no_grad():
        embedded = model.embed(x) + model.pos_embedding
        chosen = embedded.gather(1, kept[..., None].expand(-1, -1, 192))
        layer0_out, _ = model.stacks[0].layers[0](
            torch.cat([model.keypoint_tokens.expand(2, -1, -1), chosen], 1))
        readded = layer0_out[:, 17:] + model.pos_embedding[0, kept]
    assert torch.allclose(seen[0][:, 17:], readded, atol=1e-5)


@pytest.mark.parametrize('strategy', ['random', 'block', 'uniform', 'attention'])
def test_evaluation_is_deterministic(strategy):
    kwargs = {'layers': (1, )} if strategy == 'attention' else {}
    model = neck(strategy, **kwargs).eval()
    x = torch.rand(2, 32, 64, 48)
    with torch.no_grad():
        assert torch.equal(model(x)[0], model(x)[0])


@pytest.mark.parametrize('strategy', ['random', 'uniform', 'block'])
def test_keep_one_is_exactly_the_unmasked_model(strategy):
    plain, masked = neck(None), neck(strategy, keep=1.0)
    masked.load_state_dict(plain.state_dict())
    x = torch.rand(2, 32, 64, 48)
    plain.train(), masked.train()
    assert torch.equal(plain(x)[0], masked(x)[0])


def test_gradients_flow_through_masked_model():
    model = neck('random').train()
    model(torch.rand(2, 32, 64, 48))[0].sum().backward()
    assert model.patch_embed.weight.grad is not None
    assert model.keypoint_tokens.grad is not None


def test_attention_pruning_keeps_most_attended_tokens():
    model = neck('attention', keep=0.5, layers=(1, 2)).eval()
    x = torch.rand(1, 32, 64, 48)
    sizes = []
    for layer in model.stacks[0].layers:
        layer.register_forward_pre_hook(lambda m, a: sizes.append(a[0].shape[1]))
    with torch.no_grad():
        (tokens, ), _, kept = model.forward_with_attention(x)
    assert sizes == [17 + 256, 17 + 128, 17 + 64]
    assert kept.shape == (1, 64) and torch.equal(kept[0], kept[0].unique())


def test_attention_scores_equal_the_full_attention_rows():
    model = neck('attention', keep=0.5, layers=(1, )).eval()
    layer = model.stacks[0].layers[1]
    x = torch.rand(1, 17 + 256, 192)
    with torch.no_grad():
        scores = model.token_selection.keypoint_attention(layer, x, 17)
        _, full = layer.attn(layer.norm1(x), need_weights=True)
    assert torch.allclose(scores, full[:, :, :17, 17:].mean(dim=(1, 2)), atol=1e-6)


@pytest.mark.parametrize('masking, message', [
    (dict(strategy='checkerboard', keep_ratio=0.5), "unknown token masking strategy 'checkerboard'"),
    (dict(strategy='random', keep_ratio=0.), r'keep_ratio must be a number in \(0, 1\]'),
    (dict(strategy='random', keep_ratio=1.5), r'keep_ratio must be a number in \(0, 1\]'),
    (dict(strategy='uniform'), 'needs a keep_ratio'),
    (dict(strategy='attention', keep_ratio=0.5, layers=(0, )), 'distinct layer indices >= 1'),
    (dict(strategy='attention', keep_ratio=0.5, layers=(5, )), 'exceed the 3 encoder layers'),
])
def test_bad_masking_configs(masking, message):
    with pytest.raises(ValueError, match=message):
        TokenPoseNeck(arch='b', depth=3, token_masking=masking)
