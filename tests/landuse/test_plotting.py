"""urbangeo.landuse.plotting: the eligibility and block maps."""

import geopandas as gpd
import pytest
import shapely

from urbangeo.errors import CRSError
from urbangeo.landuse import assemble_blocks, screen_conversion


def test_eligibility_map(case):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from urbangeo.landuse import plot_eligibility

    parcels, boundary, farmland, red = case
    out = screen_conversion(parcels, development_boundary=boundary, basic_farmland=farmland, red_line=red)
    ax = plot_eligibility(out, layers={"development_boundary": boundary, "basic_farmland": farmland})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == ["eligible (3)", "basic farmland (1)", "not collective (1)", "outside boundary (1)"]
    assert "development_boundary" in labels
    plt.close(ax.figure)


def test_maps_refuse_layers_without_crs(case):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from urbangeo.landuse import assemble_blocks, plot_blocks, plot_eligibility

    parcels, boundary, farmland, red = case
    out = screen_conversion(parcels, development_boundary=boundary, basic_farmland=farmland, red_line=red)
    with pytest.raises(CRSError, match="`screened` has no CRS"):
        plot_eligibility(out.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match=r"`layers\['red_line'\]` has no CRS"):
        plot_eligibility(out, layers={"red_line": red.set_crs(None, allow_override=True)})
    blocks = assemble_blocks(parcels)
    with pytest.raises(CRSError, match="`blocks` has no CRS"):
        plot_blocks(blocks.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match="`parcels` has no CRS"):
        plot_blocks(blocks, parcels=parcels.set_crs(None, allow_override=True))
    plt.close("all")


def test_blocks_map():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from urbangeo.landuse import plot_blocks

    p = gpd.GeoDataFrame(geometry=[shapely.box(*c) for c in [(0, 0, 100, 100), (100, 0, 200, 100), (500, 0, 510, 10)]],
                         crs="EPSG:4547")
    b = assemble_blocks(p)
    ax = plot_blocks(b, parcels=p)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["blocks (2)", "under minimum area (1)"]
    plt.close(ax.figure)
