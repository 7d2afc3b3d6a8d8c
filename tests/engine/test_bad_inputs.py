"""Each bad input gets a message that names the bad value and what was expected, through the
entry point a user of MMPose would hit (config files, registry, Runner, tools, init_model)."""
import difflib
import re

import pytest

from ..conftest import REPO
from . import bad_input_table as table
from .bad_input_cases import CASES, clean, outcome


@pytest.fixture(scope='module')
def messages() -> dict:
    """Case index -> the cleaned message it got in this session (filled by the tests)."""
    return {}


@pytest.mark.parametrize('index', range(len(CASES)),
                         ids=[f'{c.bad_input} | {c.entry_point}' for c in CASES])
def test_bad_input_gets_a_clear_message(index, tmp_path, messages):
    case = CASES[index]
    message = outcome(case, tmp_path)
    messages[index] = clean(message, tmp_path)
    assert re.search(case.expect, message, re.S), message


def test_table_shows_the_current_messages(messages):
    """docs/bad_inputs.md is what ``python -m tests.engine.bad_input_table`` writes today: a row whose
    message changed (or a case added or removed) fails until the table is regenerated."""
    got = [messages[i] if i in messages else table.case_message(case)
           for i, case in enumerate(CASES)]
    rendered = table.render_table(CASES, got)
    with open(f'{REPO}/docs/bad_inputs.md') as f:
        committed = f.read()
    diff = ''.join(difflib.unified_diff(committed.splitlines(True), rendered.splitlines(True),
                                        'docs/bad_inputs.md', 'messages now'))
    assert rendered == committed, ('docs/bad_inputs.md is stale; run python -m '
                                   f'tests.engine.bad_input_table\n{diff[:4000]}')

