"""Intensity analysis (Aldwaik & Pontius 2012) against the 9-pixel example and hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from urbangeo.errors import InvalidOptionError
from urbangeo.landuse import (
    category_intensity,
    interval_intensity,
    raster_transition_matrix,
    transition_intensity,
)
from urbangeo.testing import assert_not_mutated

# Domain notes: crosstab [[2,2,1],[0,0,2],[1,1,0]] over 5 years of 9 pixels -> S = 15.56 %/yr.
NINE = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))


def test_interval_level_nine_pixel_example():
    with assert_not_mutated(NINE):
        t = interval_intensity(NINE, years=[2000, 2005])
    row = t.iloc[0]
    assert row["interval"] == "2000-2005" and row["duration_years"] == 5
    assert row["change"] == 7  # 9 pixels - 2 persisting
    assert row["intensity_pct_per_year"] == pytest.approx(7 / 9 / 5 * 100)  # 15.555...
    assert round(row["intensity_pct_per_year"], 2) == 15.56
    assert row["uniform_pct_per_year"] == pytest.approx(row["intensity_pct_per_year"])  # one interval: S = U
    assert row["status"] == "uniform"


def test_category_level_nine_pixel_example():
    with assert_not_mutated(NINE):
        c = category_intensity(NINE, years=[2000, 2005]).set_index(["side", "category"])
    # sizes: start (rows) a5 b2 c2, end (columns) a3 b3 c3; gains 1/3/3, losses 3/2/2
    expected_gain = {"a": 1 / 3 / 5 * 100, "b": 3 / 3 / 5 * 100, "c": 3 / 3 / 5 * 100}
    expected_loss = {"a": 3 / 5 / 5 * 100, "b": 2 / 2 / 5 * 100, "c": 2 / 2 / 5 * 100}
    for k, v in expected_gain.items():
        assert c.loc[("gain", k), "intensity_pct_per_year"] == pytest.approx(v)
        assert c.loc[("gain", k), "size"] == 3
    for k, v in expected_loss.items():
        assert c.loc[("loss", k), "intensity_pct_per_year"] == pytest.approx(v)
    assert c.loc[("gain", "a"), "status"] == "dormant"  # 6.67 < 15.56
    assert c.loc[("gain", "b"), "status"] == "active"  # 20 > 15.56
    assert c.loc[("loss", "a"), "status"] == "dormant"  # 12 < 15.56
    np.testing.assert_allclose(c["uniform_pct_per_year"], 7 / 45 * 100)


def test_transition_level_gain_nine_pixel_example():
    with assert_not_mutated(NINE):
        t = transition_intensity(NINE, years=[2000, 2005])
    t = t.set_index(["category", "other"])
    # gain of b: from a 2/5 px, from c 1/2 px; W_b = 3 / (9 - 2) px
    assert t.loc[("b", "a"), "intensity_pct_per_year"] == pytest.approx(2 / 5 / 5 * 100)
    assert t.loc[("b", "c"), "intensity_pct_per_year"] == pytest.approx(1 / 2 / 5 * 100)
    assert t.loc[("b", "a"), "uniform_pct_per_year"] == pytest.approx(3 / 7 / 5 * 100)
    assert t.loc[("b", "a"), "status"] == "avoided" and t.loc[("b", "c"), "status"] == "targeted"
    # gain of a (1 pixel, from c): W_a = 1 / (9 - 5) px
    assert t.loc[("a", "b"), "intensity_pct_per_year"] == 0.0
    assert t.loc[("a", "c"), "intensity_pct_per_year"] == pytest.approx(1 / 2 / 5 * 100)
    assert t.loc[("a", "c"), "uniform_pct_per_year"] == pytest.approx(1 / 4 / 5 * 100)
    # the gain of n from all others, weighted by their sizes, is n's total gain
    for n in "abc":
        sub = t.loc[n]
        sizes = NINE.sum(axis=1)[sub.index]
        assert (sub["intensity_pct_per_year"] * sizes * 5 / 100).sum() == pytest.approx(
            NINE[n].sum() - NINE.loc[n, n]
        )


def test_transition_level_loss_nine_pixel_example():
    t = transition_intensity(NINE, years=[2000, 2005], perspective="loss").set_index(["category", "other"])
    # loss of a: to b 2 px (b has 3 at the end), to c 1 px (c has 3); V_a = 3 / (9 - 3)
    assert t.loc[("a", "b"), "intensity_pct_per_year"] == pytest.approx(2 / 3 / 5 * 100)
    assert t.loc[("a", "c"), "intensity_pct_per_year"] == pytest.approx(1 / 3 / 5 * 100)
    assert t.loc[("a", "b"), "uniform_pct_per_year"] == pytest.approx(3 / 6 / 5 * 100)
    assert t.loc[("a", "b"), "status"] == "targeted" and t.loc[("a", "c"), "status"] == "avoided"
    # loss of c to a and b: 1/3 each = V_c = 2/6 -> exactly uniform
    assert (t.loc["c", "status"] == "uniform").all()


def test_transition_single_category():
    t = transition_intensity(NINE, years=[0, 5], category="c")
    assert set(t["category"]) == {"c"} and set(t["other"]) == {"a", "b"}
    with pytest.raises(InvalidOptionError, match="not a class"):
        transition_intensity(NINE, years=[0, 5], category="z")
    with pytest.raises(InvalidOptionError):
        transition_intensity(NINE, years=[0, 5], perspective="both")


def test_two_intervals_fast_and_slow():
    m1 = pd.DataFrame([[8, 2], [0, 10]], index=["A", "B"], columns=["A", "B"])  # 2 of 20 change in 5 yr
    m2 = pd.DataFrame([[4, 2], [4, 10]], index=["A", "B"], columns=["A", "B"])  # 6 of 20 change in 10 yr
    t = interval_intensity([m1, m2], years=[2000, 2005, 2015])
    assert t["intensity_pct_per_year"].tolist() == pytest.approx([2 / 20 / 5 * 100, 6 / 20 / 10 * 100])
    u = (2 + 6) / 20 / 15 * 100
    assert t["uniform_pct_per_year"].tolist() == pytest.approx([u, u])
    assert t["status"].tolist() == ["slow", "fast"]  # 2.0 and 3.0 %/yr around U = 2.67 %/yr
    c = category_intensity([m1, m2], years=[2000, 2005, 2015])
    assert set(c["interval"]) == {"2000-2005", "2005-2015"}
    assert len(c) == 2 * 2 * 2


def test_interval_uniform_weights_by_duration():
    # same annual intensity in both intervals -> both uniform
    m1 = pd.DataFrame([[9, 1], [0, 10]], index=[1, 2], columns=[1, 2])  # 1/20 in 5 yr = 1 %/yr
    m2 = pd.DataFrame([[8, 2], [0, 10]], index=[1, 2], columns=[1, 2])  # 2/20 in 10 yr = 1 %/yr
    t = interval_intensity([m1, m2], years=[0, 5, 15])
    assert t["intensity_pct_per_year"].tolist() == pytest.approx([1.0, 1.0])
    assert t["status"].tolist() == ["uniform", "uniform"]


def test_intensity_from_raster_matrices_union_of_classes():
    rng = np.random.default_rng(5)
    r0 = rng.integers(1, 4, (30, 30))
    r1 = np.where(rng.random((30, 30)) < 0.2, 4, r0)  # class 4 appears only later
    r2 = np.where(rng.random((30, 30)) < 0.1, 5, r1)
    m1, m2 = raster_transition_matrix(r0, r1), raster_transition_matrix(r1, r2)
    t = interval_intensity([m1, m2], years=[2009, 2014, 2019])
    ch1 = (r0 != r1).sum() / r0.size / 5 * 100
    ch2 = (r1 != r2).sum() / r0.size / 5 * 100
    assert t["intensity_pct_per_year"].tolist() == pytest.approx([ch1, ch2])
    c = category_intensity([m1, m2], years=[2009, 2014, 2019])
    # class 5 is absent at the end of the first interval: its gain intensity there is undefined
    first5 = c[(c["interval"] == "2009-2014") & (c["category"] == 5) & (c["side"] == "gain")].iloc[0]
    assert np.isnan(first5["intensity_pct_per_year"]) and pd.isna(first5["status"])


def test_intensity_input_errors():
    with pytest.raises(InvalidOptionError, match="one time point more"):
        interval_intensity(NINE, years=[2000])
    with pytest.raises(InvalidOptionError, match="increase"):
        interval_intensity(NINE, years=[2005, 2000])
    with pytest.raises(InvalidOptionError, match="different extents"):
        interval_intensity([NINE, NINE * 2], years=[0, 1, 2])
    with pytest.raises(TypeError):
        interval_intensity("matrix", years=[0, 1])
