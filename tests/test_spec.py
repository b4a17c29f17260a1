"""The settings object: defaults, presets and checks in one place, and a scorer that is a parameter."""
from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import fields

import numpy as np
import pytest

import cikuang
from cikuang import CikuangError, DiscoverySpec
from cikuang.cli import build_parser
from cikuang.scoring import pmi
from cikuang.spec import DEFAULT_MIN_PMI, PRESETS, ReadSpec, RunSpec
from helpers import make_corpus, make_language


def doubled_pmi(count, left_count, right_count, n_units):
    """Twice the PMI: exactly the default's decisions with thresholds twice as high."""
    return 2.0 * pmi(count, left_count, right_count, n_units)


def wrong_arguments(a, b, c, d):
    return a


def test_defaults_and_the_resolved_ladder():
    spec = DiscoverySpec()
    assert (spec.order, spec.min_count, spec.min_pmi, spec.refine, spec.scorer) == (4, None, DEFAULT_MIN_PMI, True, "pmi")
    assert DiscoverySpec(order=6).min_pmi == (0, 2, 4.5, 8, 11.5, 15)
    assert DiscoverySpec(order=3, min_pmi=2.5).min_pmi == (0, 2.5, 2.5)  # one number: every length
    with pytest.raises(CikuangError, match="give one per length"):
        DiscoverySpec(order=3, min_pmi="0,1")  # a list must say every threshold
    assert DiscoverySpec().min_count_for(4_050_000) == 4 and DiscoverySpec(min_count=7).min_count_for(10**9) == 7


def test_presets_and_overrides():
    spec = DiscoverySpec.build("kexue2019")
    assert (spec.order, spec.min_count, spec.min_pmi, spec.refine) == (4, 32, (0, 2, 4, 6), False)
    spec = DiscoverySpec.build("kexue2019", min_count=5, refine=None)  # None: not given
    assert (spec.min_count, spec.refine) == (5, False)
    assert set(PRESETS) == {"kexue2019"}


@pytest.mark.parametrize("bad", [
    {"order": 1}, {"order": 9}, {"order": 4.0}, {"order": True}, {"min_count": 0}, {"min_count": 2.5},
    {"min_pmi": "a,b"}, {"min_pmi": []}, {"scorer": "nope"}, {"scorer": 3}, {"scorer": wrong_arguments},
    {"scorer": lambda count, left_count, right_count, n_units: count},  # not picklable
])
def test_bad_settings_are_one_line_errors(bad):
    with pytest.raises(CikuangError) as err:
        DiscoverySpec(**bad)
    assert "\n" not in str(err.value)
    with pytest.raises(CikuangError):
        cikuang.Discoverer(**bad).fit(["天下大势"])


def test_other_specs_check_too():
    with pytest.raises(CikuangError):
        RunSpec(memory="lots")
    with pytest.raises(CikuangError):
        RunSpec(workers=0)
    with pytest.raises(CikuangError):
        RunSpec(engine="gpu")
    with pytest.raises(CikuangError, match="unknown preset"):
        DiscoverySpec.build("kexue2020")
    assert ReadSpec().as_dict() == {"encoding": "utf-8", "errors": "strict", "glob": "*.txt", "jsonl_field": None,
                                    "input_format": "text", "text_column": None}
    with pytest.raises(CikuangError, match="input_format"):
        ReadSpec(input_format="csv")


def test_the_command_line_offers_every_setting_with_the_specs_help():
    parser = build_parser()
    discover = parser._subparsers._group_actions[0].choices["discover"]
    by_dest = {a.dest: a for a in discover._actions}
    for spec_class in (DiscoverySpec, ReadSpec, RunSpec):
        for f in fields(spec_class):
            if not f.metadata.get("cli", True):
                continue
            action = by_dest[f.name]
            assert action.help == f.metadata["help"].replace("{default}", str(f.default))
            if f.metadata.get("choices"):
                assert tuple(action.choices) == tuple(f.metadata["choices"])
    assert "0,2,4.5,8" in by_dest["min_pmi"].help  # the default ladder, from the spec
    assert by_dest["order"].default is None  # not given: a preset may supply it
    assert by_dest["memory"].default == "2G"


def test_a_scorer_is_a_parameter_on_both_engines(engine):
    if engine.name == "spark":  # the executors unpickle this test module's function by value
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    rng = random.Random(21)
    texts = make_corpus(rng, make_language(rng, n_words=40), 3000)
    params = dict(refine=False, min_count=5, workers=1, word_list=False, sort="count")  # no list thresholds
    base = engine.discover(texts, min_pmi=(0, 2, 4, 6), **params)
    doubled = engine.discover(texts, min_pmi=(0, 4, 8, 12), scorer=doubled_pmi, **params)
    assert len([w for w in base.words if len(w) > 1]) > 10
    assert base.words == doubled.words and (base.counts == doubled.counts).all()
    coh, dcoh = base.to_columns()[0], doubled.to_columns()[0]
    assert np.array_equal(2 * coh, dcoh, equal_nan=True)


def test_python_m_cikuang_runs_the_command_line():
    out = subprocess.run([sys.executable, "-m", "cikuang", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("cikuang ")
