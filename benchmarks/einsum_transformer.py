"""The baseline our transformer is measured against: the official TokenPose layers, written
straightforwardly (``Residual(PreNorm(...))``, einsum attention that forms the full softmax map,
in-place re-add of the positional encoding), with ``einops.rearrange`` replaced by
reshape/permute. It loads the weights of our :class:`TransformerStack` one to one.

Also a memory worker (one workload per fresh process, see ``tokenpose_mm.benchmark.memory``):

    python benchmarks/einsum_transformer.py --impl einsum --mode train --arch b --batch 32
"""
import argparse
import json
import os.path as osp
import sys
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import Tensor, nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


class Residual(nn.Module):
    def __init__(self, fn: nn.Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x) + x


class PreNorm(nn.Module):
    def __init__(self, dim: int, fn: nn.Module) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(self.norm(x))


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden_dim), nn.GELU(), nn.Dropout(0.),
                                 nn.Linear(hidden_dim, dim), nn.Dropout(0.))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class EinsumAttention(nn.Module):
    """The official attention: full (B, h, N, N) map through einsum and softmax."""

    def __init__(self, dim: int, heads: int, scale: float) -> None:
        super().__init__()
        self.heads = heads
        self.scale = scale
        self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
        self.to_out = nn.Sequential(nn.Linear(dim, dim), nn.Dropout(0.))

    def forward(self, x: Tensor) -> Tensor:
        b, n, d = x.shape
        h = self.heads
        # rearrange(t, 'b n (h d) -> b h n d') as reshape + permute
        q, k, v = (t.reshape(b, n, h, d // h).permute(0, 2, 1, 3)
                   for t in self.to_qkv(x).chunk(3, dim=-1))
        dots = torch.einsum('bhid,bhjd->bhij', q, k) * self.scale
        attn = dots.softmax(dim=-1)
        out = torch.einsum('bhij,bhjd->bhid', attn, v)
        out = out.permute(0, 2, 1, 3).reshape(b, n, d)  # 'b h n d -> b n (h d)'
        return self.to_out(out)


class EinsumTransformer(nn.Module):
    """The official ``Transformer`` (``all_attn=True``: pos re-added before layers 1..)."""

    def __init__(self, dim: int, depth: int, heads: int, mlp_dim: int, num_keypoints: int,
                 scale: float) -> None:
        super().__init__()
        self.num_keypoints = num_keypoints
        self.layers = nn.ModuleList(
            nn.ModuleList([
                Residual(PreNorm(dim, EinsumAttention(dim, heads, scale))),
                Residual(PreNorm(dim, FeedForward(dim, mlp_dim))),
            ]) for _ in range(depth))

    def forward(self, x: Tensor, pos: Optional[Tensor] = None) -> Tensor:
        """(B, K + N, D) -> (B, K + N, D); ``pos`` (1, N, D) re-added in place."""
        for idx, (attn, ff) in enumerate(self.layers):
            if idx > 0 and pos is not None:
                x[:, self.num_keypoints:] += pos
            x = attn(x)
            x = ff(x)
        return x


_KEY_MAP = (('norm1.', '0.fn.norm.'), ('attn.qkv.', '0.fn.fn.to_qkv.'),
            ('attn.proj.', '0.fn.fn.to_out.0.'), ('norm2.', '1.fn.norm.'),
            ('ffn.fc1.', '1.fn.fn.net.0.'), ('ffn.fc2.', '1.fn.fn.net.3.'))


def einsum_copy(stack: nn.Module, num_keypoints: int) -> EinsumTransformer:
    """An :class:`EinsumTransformer` with the weights of our ``TransformerStack`` (strict)."""
    first = stack.layers[0]
    dim = first.norm1.normalized_shape[0]
    baseline = EinsumTransformer(dim, len(stack.layers), first.attn.num_heads,
                                 first.ffn.fc1.out_features, num_keypoints, first.attn.scale)
    state = {}
    for key, value in stack.state_dict().items():
        index, rest = key[len('layers.'):].split('.', 1)
        for ours, official in _KEY_MAP:
            if rest.startswith(ours):
                state[f'layers.{index}.{official}{rest[len(ours):]}'] = value
                break
        else:
            raise KeyError(f'unmapped TransformerStack key {key!r}')
    baseline.load_state_dict(state, strict=True)
    return baseline.to(next(stack.parameters()).device)


def build_pair(arch: str, device: torch.device) -> Tuple[nn.Module, List[nn.Module], Tensor, int]:
    """(our neck, the einsum copies of its stacks, the (1, N, D) pos table, K) for ``arch``."""
    from tokenpose_mm.benchmark.models import quiet_logger
    from tokenpose_mm.models.necks import TokenPoseNeck
    neck = TokenPoseNeck(arch)
    with quiet_logger():
        neck.init_weights()
    neck = neck.to(device).eval()
    K = neck.num_keypoints
    return neck, [einsum_copy(s, K) for s in neck.stacks], neck.pos_embedding.detach(), K


def ours_run(neck: nn.Module, x: Tensor, pos: Tensor) -> Tensor:
    """Our stacks in series, as the neck runs them: (B, K + N, D) -> (B, K + N, D)."""
    return neck.encode(x, pos).sequence


def einsum_run(stacks: List[nn.Module], x: Tensor, pos: Tensor) -> Tensor:
    """The baseline stacks in series (the in-place re-add starts at layer 1, so the input
    itself is never modified)."""
    for stack in stacks:
        x = stack(x, pos)
    return x


def workloads(arch: str, batch: int, device: torch.device, precision: str = 'fp32',
              check: bool = True) -> Tuple[Dict[str, Callable], Dict[str, Callable], float]:
    """Forward and training-step callables for ``ours`` and ``einsum`` on the same weights and
    (batch, K + N, D) tokens, and the max abs difference of their float32 forward outputs
    (NaN when ``check`` is False).

    A training step: forward, mean-square of the output tokens, backward, Adam step.
    """
    from tokenpose_mm.benchmark import autocast
    neck, stacks, pos, K = build_pair(arch, device)
    generator = torch.Generator().manual_seed(0)
    n = neck.grid[0] * neck.grid[1]
    x = torch.randn(batch, K + n, neck.stacks[0].layers[0].norm1.normalized_shape[0],
                    generator=generator).to(device)
    diff = float('nan')
    if check:
        with torch.no_grad():
            diff = (ours_run(neck, x, pos) - einsum_run(stacks, x, pos)).abs().max().item()
    sides = {'ours': (neck.stacks, lambda t: ours_run(neck, t, pos)),
             'einsum': (nn.ModuleList(stacks), lambda t: einsum_run(stacks, t, pos))}
    forward, train = {}, {}
    for name, (modules, run) in sides.items():
        optimizer = torch.optim.Adam(modules.parameters(), lr=1e-3)

        def fwd(run=run) -> Tensor:
            with torch.no_grad(), autocast(precision, device):
                return run(x)

        def step(run=run, modules=modules, optimizer=optimizer) -> Tensor:
            modules.train()
            optimizer.zero_grad(set_to_none=True)
            with autocast(precision, device):
                loss = run(x).float().pow(2).mean()
            loss.backward()
            optimizer.step()
            modules.eval()
            return loss.detach()

        forward[name], train[name] = fwd, step
    return forward, train, diff


def main(argv: Optional[List[str]] = None) -> None:
    from tokenpose_mm.benchmark import parse_device, peak_memory_mib
    parser = argparse.ArgumentParser(description='Peak memory of our transformer or the '
                                     'einsum baseline (one workload, run in a fresh process).')
    parser.add_argument('--impl', choices=('ours', 'einsum'), required=True)
    parser.add_argument('--mode', choices=('forward', 'train'), default='forward')
    parser.add_argument('--arch', default='b')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--precision', default='fp32')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    device = parse_device(args.device)
    forward, train, _ = workloads(args.arch, args.batch, device, args.precision, check=False)
    fn = (forward if args.mode == 'forward' else train)[args.impl]
    result = peak_memory_mib(fn, device, runs=2 if args.mode == 'train' else 1)
    result.update(impl=args.impl, mode=args.mode, arch=args.arch, batch=args.batch)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
