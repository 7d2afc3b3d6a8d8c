"""Each bad input gets a message that names the bad value and what was expected, through the
entry point a user of MMPose would hit (config files, registry, Runner, tools, init_model)."""
import re

import pytest

from ..conftest import REPO
from .bad_input_cases import CASES, outcome


@pytest.mark.parametrize('case', CASES, ids=[f'{c.bad_input} | {c.entry_point}' for c in CASES])
def test_bad_input_gets_a_clear_message(case, tmp_path):
    message = outcome(case, tmp_path)
    assert re.search(case.expect, message, re.S), message


def test_table_lists_every_case():
    with open(f'{REPO}/docs/bad_inputs.md') as f:
        table = f.read()
    for case in CASES:
        assert f'| {case.bad_input} | {case.entry_point} |' in table, case
    assert '## Images and boxes (inference)' in table
