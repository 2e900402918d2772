"""Equity measures: hand-computed Gini/Theil/percentiles and the group table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from urbangeo.accessibility.equity import access_equity, gini, theil, weighted_percentiles
from urbangeo.errors import ColumnTypeError, InvalidOptionError, MissingColumnError
from urbangeo.testing import assert_not_mutated


def _gini_pairs(x, w):
    """Definition: sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu), by brute force."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    mu = (w * x).sum() / w.sum()
    return (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mu)


def test_gini_hand_computed():
    # [1,2,3,4]: mean 2.5, sum over ordered pairs |xi-xj| = 20 -> 20 / (2*16*2.5) = 0.25
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-15)
    assert gini([7, 7, 7]) == 0.0
    # one person has everything: (n-1)/n
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    # order does not matter
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)


def test_gini_weights_equal_replication():
    # integer weights = repeating the values
    assert gini([1, 3], weights=[3, 1]) == pytest.approx(gini([1, 1, 1, 3]))
    assert gini([1, 1, 1, 3]) == pytest.approx(0.25)  # mean 1.5, pairs 2*3*2=12 -> 12/(2*16*1.5)


def test_gini_matches_definition_random():
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.uniform(0, 30, 17)
        w = rng.uniform(0, 5, 17)
        assert gini(x, weights=w) == pytest.approx(_gini_pairs(x, w), rel=1e-12)


def test_theil_hand_computed():
    assert theil([2, 2, 2]) == pytest.approx(0.0, abs=1e-15)
    # [1, 3]: mu = 2; T = 0.5*(0.5 ln 0.5 + 1.5 ln 1.5)
    expected = 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))
    assert theil([1, 3]) == pytest.approx(expected, rel=1e-14)
    # one holds everything among n: ln(n)
    assert theil([0, 0, 0, 0, 5]) == pytest.approx(math.log(5))
    # weights = replication
    assert theil([1, 3], weights=[2, 1]) == pytest.approx(theil([1, 1, 3]))


def test_weighted_percentiles_match_numpy_inverted_cdf():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 20, 101)
    q = [0, 10, 25, 50, 75, 90, 100]
    got = weighted_percentiles(x, q=q)
    expected = np.percentile(x, q, method="inverted_cdf")
    np.testing.assert_allclose(got.to_numpy(), expected)
    # integer weights = replication
    w = rng.integers(1, 4, 101)
    got_w = weighted_percentiles(x, q=q, weights=w)
    np.testing.assert_allclose(got_w.to_numpy(), np.percentile(np.repeat(x, w), q, method="inverted_cdf"))


def test_nan_policy():
    with pytest.raises(InvalidOptionError, match="NaN"):
        gini([1.0, np.nan])
    assert gini([1.0, np.nan, 3.0], nan="omit") == pytest.approx(gini([1.0, 3.0]))
    with pytest.raises(InvalidOptionError, match="inf"):
        theil([1.0, np.inf])
    with pytest.raises(InvalidOptionError, match=">= 0"):
        gini([-1.0, 2.0])
    with pytest.raises(InvalidOptionError, match="one weight per value"):
        gini([1.0, 2.0], weights=[1.0])


def test_access_equity_groups_by_hand():
    df = pd.DataFrame(
        {
            "minutes": [2.0, 4.0, 12.0, np.nan, 6.0],
            "pop": [10.0, 30.0, 20.0, 40.0, 0.0],
            "elderly": ["high", "high", "low", "low", "low"],
        }
    )
    with assert_not_mutated(df):
        out = access_equity(df, value_col="minutes", threshold=5, group_by="elderly", population_col="pop")
    assert list(out.index) == ["high", "low", "all"]
    # high: both within 5 min -> share 1; low: 20 of 60 reachable people... 12 > 5, NaN beyond, 6 > 5
    assert out.loc["high", "share_within"] == 1.0
    assert out.loc["low", "share_within"] == 0.0
    assert out.loc["all", "share_within"] == pytest.approx(40 / 100)
    assert (out["share_within"] + out["share_beyond"]).tolist() == pytest.approx([1, 1, 1])
    assert out.loc["low", "n_unreachable"] == 1
    assert out.loc["low", "population_unreachable"] == 40.0
    # population-weighted mean of reachable: high (2*10 + 4*30)/40 = 3.5
    assert out.loc["high", "mean"] == pytest.approx(3.5)
    assert out.loc["high", "gini"] == pytest.approx(_gini_pairs([2, 4], [10, 30]))
    assert out.loc["all", "gini"] == pytest.approx(gini([2, 4, 12, 6], weights=[10, 30, 20, 0]))
    assert out.loc["all", "p50"] == 4.0  # weights 10,30,20 sorted 2,4,12: cumulative 1/6, 4/6 -> 4


def test_access_equity_errors():
    df = pd.DataFrame({"minutes": [1.0, 2.0], "pop": [1.0, None], "g": ["a", None]})
    with pytest.raises(MissingColumnError):
        access_equity(df, value_col="nope")
    with pytest.raises(ColumnTypeError):
        access_equity(df, value_col="minutes", population_col="pop")
    with pytest.raises(ColumnTypeError):
        access_equity(df, value_col="minutes", group_by="g")
    with pytest.raises(InvalidOptionError):
        access_equity(df, value_col="minutes", threshold=-1)
    with pytest.raises(InvalidOptionError, match="NaN"):
        access_equity(df.assign(minutes=[1.0, np.inf]), value_col="minutes")
