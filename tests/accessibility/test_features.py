import osmium
import pytest

from urbangeo.accessibility import features_from_osm


def _reference_counts(path, key, value=None):
    """Plain pyosmium: tagged nodes and areas with ``key`` (= value), and areas that fail."""
    fab = osmium.geom.WKBFactory()
    nodes = areas = bad = 0
    for obj in osmium.FileProcessor(str(path)).with_areas().with_filter(osmium.filter.KeyFilter(key)):
        v = obj.tags.get(key)
        if v is None or (value is not None and v != value):
            continue
        if obj.is_node():
            nodes += 1
        elif obj.is_area():
            try:
                fab.create_multipolygon(obj)
                areas += 1
            except RuntimeError:
                bad += 1
    return nodes, areas, bad


@pytest.mark.parametrize(("key", "value"), [("amenity", None), ("leisure", "park"), ("building", None)])
def test_counts_match_plain_pyosmium(shared_data, key, value):
    path = shared_data("osm/helsinki_centre_2019.osm.pbf")
    tags = {key: True if value is None else [value]}
    feats = features_from_osm(path, tags=tags)
    nodes, areas, bad = _reference_counts(path, key, value)
    assert (feats["osm_type"] == "node").sum() == nodes
    assert (feats["osm_type"] != "node").sum() == areas
    assert feats.attrs["skipped_areas"] == bad
    assert feats.crs.to_epsg() == 4326 and feats.geometry.is_valid.all()
    if value is not None:
        assert (feats[key] == value).all()
    polys = feats[feats["osm_type"] != "node"]
    assert polys.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert (feats.loc[feats["osm_type"] == "node"].geom_type == "Point").all()


def test_points_or_areas_only_and_missing_file(shared_data, tmp_path):
    path = shared_data("osm/helsinki_centre_2019.osm.pbf")
    both = features_from_osm(path, tags={"amenity": True})
    pts = features_from_osm(path, tags={"amenity": True}, areas=False)
    ars = features_from_osm(path, tags={"amenity": True}, points=False)
    assert len(pts) + len(ars) == len(both) and len(pts) > 0 and len(ars) > 0
    with pytest.raises(FileNotFoundError, match="no such file"):
        features_from_osm(tmp_path / "nope.osm.pbf", tags={"amenity": True})
