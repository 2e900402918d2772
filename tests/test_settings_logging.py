import io
import logging

import pytest

import urbangeo
from urbangeo._progress import progress_bar
from urbangeo.errors import SettingsError


def test_defaults_shown_and_rejected_keys():
    s = urbangeo.settings
    assert s.walk_speed_kmh == 4.5 and s.progress is False
    assert "walk_speed_kmh" in repr(s) and "walk_speed_kmh" in s.describe()
    with pytest.raises(SettingsError, match="Did you mean 'walk_speed_kmh'"):
        s.walk_sped_kmh = 4.0
    with pytest.raises(SettingsError, match="must be a number > 0"):
        s.walk_speed_kmh = -1
    with pytest.raises(AttributeError, match="unknown setting"):
        _ = s.not_a_setting
    assert not hasattr(s, "not_a_setting")
    with pytest.raises(SettingsError, match="metric_crs"):
        s.metric_crs = "EPSG:not-a-code"


def test_override_is_scoped_and_validated_atomically():
    s = urbangeo.settings
    with s.override(walk_speed_kmh=4.0, progress=True):
        assert s.walk_speed_kmh == 4.0 and s.progress is True
    assert s.walk_speed_kmh == 4.5 and s.progress is False
    with pytest.raises(SettingsError), s.override(walk_speed_kmh=3.0, progress="yes"):
        pass
    assert s.walk_speed_kmh == 4.5  # nothing applied
    with pytest.raises(RuntimeError), s.override(walk_speed_kmh=3.0):
        raise RuntimeError("boom")
    assert s.walk_speed_kmh == 4.5


def test_set_and_reset():
    s = urbangeo.settings
    try:
        s.max_snap_m = 250
        assert s["max_snap_m"] == 250 and s.to_dict()["max_snap_m"] == 250
    finally:
        s.reset()
    assert s.max_snap_m == 500.0


def test_library_is_silent_until_asked(capsys):
    logger = logging.getLogger("urbangeo.crs")
    logger.warning("should not print")
    assert capsys.readouterr().err == ""  # NullHandler; no basicConfig at import
    stream = io.StringIO()
    handler = urbangeo.show_logs(level="DEBUG", stream=stream)
    try:
        import geopandas as gpd
        from shapely import Point

        urbangeo.to_metric(gpd.GeoDataFrame(geometry=[Point(113, 23)], crs=4326), name="pts")
    finally:
        urbangeo.hide_logs(handler=handler)
    assert "reprojecting pts" in stream.getvalue()


def test_progress_opt_in():
    items = [1, 2, 3]
    assert progress_bar(items) is items
    bar = progress_bar(items, progress=True, desc="x")
    assert list(bar) == items and bar is not items
    with urbangeo.settings.override(progress=True):
        assert progress_bar(items) is not items


def test_lazy_subpackages():
    assert urbangeo.accessibility.__name__ == "urbangeo.accessibility"
    assert "landuse" in dir(urbangeo)
    with pytest.raises(AttributeError):
        urbangeo.nope  # noqa: B018
