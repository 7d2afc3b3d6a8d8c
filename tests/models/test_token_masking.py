"""TMPose token masking and attention-guided pruning in the neck."""
import pytest
import torch

from tokenpose_mm.models import TokenPoseNeck
from tokenpose_mm.models.layers import TokenMasking
from tokenpose_mm.models.layers.token_masking import num_kept, uniform_indices

GRID = (16, 16)


def neck(strategy=None, keep=0.6, **kwargs):
    masking = None if strategy is None else dict(strategy=strategy, keep_ratio=keep, **kwargs)
    return TokenPoseNeck(arch=dict(name='b', depth=3), token_masking=masking)


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


@pytest.mark.parametrize('arch', ['b', 's-v1'])  # head_dim and dim scales
def test_attention_scores_equal_the_full_attention_rows(arch):
    model = TokenPoseNeck(arch=dict(name=arch, depth=2),
                          token_masking=dict(strategy='attention', keep_ratio=.5, layers=(1, )))
    layer = model.eval().stacks[0].layers[1]
    x = torch.rand(1, 17 + 256, 192)
    with torch.no_grad():
        scores = layer.keypoint_attention(x, 17)  # (1, 256), from the 17 query rows only
        _, full = layer.attn(layer.norm1(x), need_weights=True)
    assert scores.shape == (1, 256)
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
        TokenPoseNeck(arch=dict(name='b', depth=3), token_masking=masking)


# ----------------------------------------------------------- block masking: contiguous zones
def dropped_neighbour_fraction(kept: torch.Tensor, grid) -> torch.Tensor:
    """(B,) per mask: the mean, over dropped cells, of the fraction of their in-grid
    4-neighbours that are dropped too. ``kept`` (B, n) indices into the row-major grid."""
    h, w = grid
    dropped = torch.ones(kept.shape[0], h * w)
    dropped.scatter_(1, kept, 0.)
    dropped = dropped.reshape(-1, 1, h, w)
    cross = torch.tensor([[0., 1., 0.], [1., 0., 1.], [0., 1., 0.]])[None, None]
    dropped_neighbours = torch.nn.functional.conv2d(dropped, cross, padding=1)
    neighbours = torch.nn.functional.conv2d(torch.ones(1, 1, h, w), cross, padding=1)
    fraction = dropped_neighbours / neighbours  # (B, 1, h, w)
    return (fraction * dropped).sum(dim=(1, 2, 3)) / dropped.sum(dim=(1, 2, 3))


def test_block_masking_drops_contiguous_zones_random_masking_does_not():
    """The statistic: per mask, the mean over dropped cells of the fraction of their 4-neighbours
    that are dropped too, averaged over 128 masks drawn in training mode (16x16 grid, keep 0.5:
    m = 128 of N = 256 cells dropped).

    Random masking (a uniform m-subset): given that a cell is dropped, each other cell is dropped
    with probability exactly (m - 1) / (N - 1) = 127/255 = 0.498, so the statistic has mean 0.498
    whatever the grid's borders; it lies in [0, 1] and the 128 masks are independent, so by
    Hoeffding's inequality their average exceeds 0.75 = 0.498 + 0.252 with probability at most
    exp(-2 * 128 * 0.252**2) < 1e-7 (measured over 200 seeds: 0.491-0.503). Block masking drops
    rectangles: a dropped cell's neighbours are dropped but on a rectangle's border (measured over
    200 seeds: averages 0.865-0.877, single masks >= 0.77).
    """
    x = torch.rand(128, 32, 64, 48)
    statistic = {}
    for strategy in ('block', 'random'):
        model = TokenPoseNeck(arch=dict(name='b', depth=1),
                              token_masking=dict(strategy=strategy, keep_ratio=0.5)).train()
        with torch.no_grad():
            kept = model.forward_with_attention(x)[2]
        assert kept.shape == (128, 128)
        assert len({tuple(row) for row in kept.tolist()}) == 128  # a fresh layout per sample
        statistic[strategy] = dropped_neighbour_fraction(kept, GRID).mean()
    assert statistic['random'] < 0.75 < statistic['block']


# ---------------------------------------------- attention pruning against a slow reference
def reference_pruned_forward(model: TokenPoseNeck, feats: torch.Tensor, keep: float, layers):
    """The neck with attention pruning, written plainly, one sample at a time: before each layer
    in ``layers`` (global index over all stacks) the layer's full (L, L) attention map is
    computed through its explicit path, the K keypoint rows over the visual columns are averaged
    over heads and keypoints, and the visual tokens with the int(n * keep) highest scores stay,
    in grid order. Returns the fused keypoint tokens (B, K, D * stacks) and the grid indices of
    the visual tokens left at the end (B, n)."""
    K, pos = model.num_keypoints, model.pos_embedding[0]  # (N, D)
    all_tokens, all_kept = [], []
    for sample in feats:
        visual = model.embed(sample[None])[0] + pos  # (N, D)
        where = torch.arange(len(visual))  # grid index of each current visual token
        x = torch.cat([model.keypoint_tokens[0], visual])  # (K + n, D)
        fused, index = [], 0
        for stack in model.stacks:
            for i, layer in enumerate(stack.layers):
                if i > 0:  # sine-full: re-added before every layer but a stack's first
                    x = torch.cat([x[:K], x[K:] + pos[where]])
                if index in layers:
                    attention = layer(x[None], need_weights=True)[1][0]  # (heads, L, L)
                    scores = attention[:, :K, K:].mean(dim=(0, 1))  # (n, )
                    n_keep = max(1, int(len(scores) * keep))
                    chosen = torch.zeros(len(scores), dtype=torch.bool)
                    chosen[scores.argsort(descending=True)[:n_keep]] = True
                    x = torch.cat([x[:K], x[K:][chosen]])
                    where = where[chosen]
                x = layer(x[None])[0][0]
                index += 1
            fused.append(x[:K])
        all_tokens.append(torch.cat(fused, dim=1))
        all_kept.append(where)
    return torch.stack(all_tokens), torch.stack(all_kept)


@pytest.mark.parametrize('arch, channels, size, depth, keep, layers', [
    ('b', 32, (64, 48), 4, 0.6, (1, 3)),
    # 3 stacks of 2 layers: prune inside stack 0 (after a re-addition), at the first layer of
    # stacks 1 and 2 (no re-addition there) and inside stack 2: offsets and composed indices
    ('l-d6-mpii', 48, (64, 64), None, 0.7, (1, 2, 4, 5)),
])
def test_attention_pruning_equals_a_slow_reference(arch, channels, size, depth, keep, layers):
    model = TokenPoseNeck(arch=dict(name=arch, depth=depth),
                          token_masking=dict(strategy='attention', keep_ratio=keep,
                                             layers=layers)).eval()
    feats = torch.rand(2, channels, *size)
    with torch.no_grad():
        expected_tokens, expected_kept = reference_pruned_forward(model, feats, keep, layers)
        (tokens, ), _, kept = model.forward_with_attention(feats)
        (fast_tokens, ) = model(feats)  # the fused-attention path prunes the same tokens
    n = 256
    for _ in layers:
        n = num_kept(n, keep)
    assert kept.shape == expected_kept.shape == (2, n)
    assert torch.equal(kept, expected_kept)
    assert torch.allclose(tokens, expected_tokens, atol=1e-5)
    assert torch.allclose(fast_tokens, expected_tokens, atol=1e-5)
