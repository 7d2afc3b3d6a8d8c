"""The complexity tool reproduces the paper's GFLOPs and the true MACs of DESIGN.md."""
import subprocess
import sys

import pytest

from tokenpose_mm.analysis import model_complexity
from tokenpose_mm.models import TOKENPOSE_ARCHS

from .conftest import REPO, build_model

# DESIGN.md section 3: the paper's counter (3 decimals) and true GMACs (2 decimals)
PAPER_GFLOPS = {'t': 1.292, 's-v1': 2.226, 's-v2': 11.618, 'b': 5.655, 'l-d6': 9.064,
                'l-d24': 10.984, 'l-d24-384': 22.138, 'l-d6-mpii': 11.864}
TRUE_GMACS = {'t': 1.60, 's-v1': 2.73, 's-v2': 7.49, 'b': 6.28, 'l-d6': 9.87, 'l-d24': 12.19,
              'l-d24-384': 24.01, 'l-d6-mpii': 12.89}


def test_every_variant_has_its_published_counts():
    assert set(PAPER_GFLOPS) == set(TRUE_GMACS) == set(TOKENPOSE_ARCHS)


@pytest.mark.parametrize('arch', sorted(PAPER_GFLOPS))
def test_paper_and_true_counts(arch):
    model = build_model(arch)
    w, h = model.head.decoder.input_size
    c = model_complexity(model, (3, h, w))
    assert round(c.paper_gflops, 3) == PAPER_GFLOPS[arch]
    assert round(c.gmacs, 2) == TRUE_GMACS[arch]
    assert 0 < c.transformer_gmacs < c.gmacs


def test_cli_prints_a_table_for_configs():
    result = subprocess.run(
        [sys.executable, f'{REPO}/tools/analysis/complexity.py', '--variants', 't', 's-v1'],
        capture_output=True, text=True, cwd=REPO, check=True)
    assert '| t ' in result.stdout and '1.292' in result.stdout and '2.226' in result.stdout


@pytest.mark.parametrize('config, arch', [
    ('tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py', 'b'),
    ('tmpose/coco/td-hm_tmpose-l-d24-random0.6_4xb16-300e_coco-256x192.py', 'l-d24'),
])
def test_token_masking_cuts_transformer_cost(config, arch):
    """TMPose at keep 0.6: GFLOPsT (paper counter, neck + head) falls by >= 60%, true
    transformer MACs by >= 40%, against the unmasked model."""
    full = model_complexity(build_model(arch), (3, 256, 192))
    masked = model_complexity(build_model(config), (3, 256, 192))
    assert masked.paper_gflops_t <= 0.4 * full.paper_gflops_t
    assert masked.transformer_gmacs <= 0.6 * full.transformer_gmacs
    assert masked.params == full.params
