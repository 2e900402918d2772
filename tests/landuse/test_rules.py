"""Rule profiles as data (urbangeo.landuse.rules)."""

import re

import pytest

from urbangeo.errors import InvalidOptionError
from urbangeo.landuse import rules


def test_every_rule_cites_a_source():
    for name in rules.available_profiles():
        prof = rules.load_profile(name)
        frame = prof.to_frame()
        assert len(frame) >= 15
        assert frame.source.str.len().min() > 20, name


def test_national_numbers_and_articles():
    p = rules.load_profile("national")
    assert p["state_council_cultivated_ha"] == 35.0
    assert p["state_council_other_ha"] == 70.0
    assert p["state_council_if_basic_farmland"] is True
    assert p["public_interest_share_min"] == 0.40
    assert p["villager_consent_share_min"] == pytest.approx(2 / 3)
    assert p["notice_days_min"] == 30
    assert re.search(r"Art\. 46\(2\)", p.source("state_council_cultivated_ha"))
    assert re.search(r"Art\. 46\(3\)", p.source("state_council_other_ha"))
    assert "Art. 63" in p.source("villager_consent_share_min")
    assert "Art. 47" in p.source("notice_days_min")
    assert "Art. 48" in p.source("compensation_revision_years_max")
    assert "2020" in p.source("public_interest_share_min")


def test_guangdong_extends_national():
    g = rules.load_profile("guangdong")
    n = rules.load_profile("national")
    assert g["public_interest_share_min"] == 0.40
    assert g["public_interest_share_elsewhere"] == 0.30
    assert g["public_interest_share_outside_boundary"] == 0.20
    assert g["state_council_cultivated_ha"] == n["state_council_cultivated_ha"]
    assert set(n) <= set(g)


def test_zhejiang_says_it_has_no_provincial_numbers():
    z = rules.load_profile("zhejiang")
    n = rules.load_profile("national")
    assert "silent" in z.note
    assert {k: z[k] for k in z} == {k: n[k] for k in n}


def test_overrides_and_errors(tmp_path):
    p = rules.load_profile("national", min_block_area_m2=30000, market_entry_planning_classes=("09",))
    assert p["min_block_area_m2"] == 30000
    assert p["market_entry_planning_classes"] == ["09"]
    assert p.source("min_block_area_m2").startswith("user override")
    # the shipped profile is not changed by an override
    assert rules.load_profile("national")["min_block_area_m2"] == 10000.0
    # override of a loaded profile
    assert rules.load_profile(p, notice_days_min=45)["notice_days_min"] == 45
    with pytest.raises(InvalidOptionError, match="no such rule"):
        rules.load_profile("national", min_block_area=1)
    with pytest.raises(InvalidOptionError, match="wrong kind"):
        rules.load_profile("national", min_block_area_m2="big")
    with pytest.raises(InvalidOptionError, match="'national'"):
        rules.load_profile("hainan")
    with pytest.raises(InvalidOptionError, match="no rule"):
        rules.load_profile("national")["nope"]


def test_profile_from_file(tmp_path):
    path = tmp_path / "foshan.toml"
    path.write_text(
        '[profile]\nname = "foshan"\nextends = "guangdong"\n'
        '[rules.min_block_area_m2]\nvalue = 66666.7\nunit = "m2"\nsource = "local rule, article X"\n',
        encoding="utf-8",
    )
    p = rules.load_profile(path)
    assert p.name == "foshan"
    assert p["min_block_area_m2"] == 66666.7
    assert p["public_interest_share_elsewhere"] == 0.30
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules.x]\nvalue = 1\n", encoding="utf-8")
    with pytest.raises(InvalidOptionError, match="source"):
        rules.load_profile(bad)
