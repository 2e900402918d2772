"""predict_subsidence in tiles (tile_size=, scheduler=): the in-memory answer, cell for cell.

The basin is MODELLED: 40 panels (rectangles, rotated rectangles, quadrilaterals for the
Gaussian route, dipping seams, inflection offsets) scattered over 6 x 4 km, on a grid that
odd tile sizes cut through the basin.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import Polygon, affinity, box

from urbangeo.errors import InvalidOptionError
from urbangeo.subsidence import panel_parameters, predict_subsidence, read_raster


def basin_panels(n: int = 40, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    geoms, rows = [], []
    for i in range(n):
        x, y = 500000 + rng.uniform(0, 6000), 3400000 + rng.uniform(0, 4000)
        w, h = rng.uniform(100, 400), rng.uniform(300, 1500)
        g = box(x, y, x + w, y + h)
        if i % 3 == 1:
            g = affinity.rotate(g, rng.uniform(0, 90))
        elif i % 3 == 2:  # not a rectangle: the Gaussian route, whose window edges matter
            g = Polygon([(x, y), (x + w, y + 50), (x + w * 1.3, y + h), (x - 50, y + h * 0.8)])
        geoms.append(g)
        rows.append({"m": rng.uniform(2, 4), "q": 0.8, "H": rng.uniform(200, 500), "tan_beta": 2.0,
                     "alpha": 10.0 if i % 5 == 0 else 0.0, "dip_azimuth_deg": 135.0, "s": 5.0 if i % 4 == 0 else 0.0})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4547)


@pytest.fixture(scope="module")
def basin():
    p = basin_panels()
    return p, predict_subsidence(p, resolution_m=25.0)


def assert_same(w, ref):
    assert w.shape == ref.shape and w.transform == ref.transform and w.crs == ref.crs
    assert (w.name, w.units) == (ref.name, ref.units)
    np.testing.assert_array_equal(w.array, ref.array)  # exact: same panels, same order, same cells


def test_reference_basin_is_a_basin(basin):
    panels, ref = basin
    # volume invariant: the basin holds sum(W0 x goaf area), less the strips the offsets s take (0.9 %)
    volume = float(ref.array.sum()) * ref.cell_area_m2
    expected = float((panel_parameters(panels)["W0"] * panels.area).sum())
    assert 0.98 < volume / expected < 1.0
    assert (ref.array > 0.01).mean() > 0.3  # tile edges below cut through the basin, not through empty ground


@pytest.mark.parametrize("tile_size", [1, 37, 100, 1000])
def test_tiles_in_this_process_equal_in_memory(basin, tile_size):
    panels, ref = basin
    if tile_size == 1:  # one-cell tiles: only a corner of the grid, it is slow cell by cell
        sub = predict_subsidence(panels, resolution_m=25.0, extent=(501000, 3402000, 501300, 3402250), tile_size=1)
        full = predict_subsidence(panels, resolution_m=25.0, extent=(501000, 3402000, 501300, 3402250))
        assert_same(sub, full)
        return
    assert_same(predict_subsidence(panels, resolution_m=25.0, tile_size=tile_size, scheduler="local"), ref)


# rasterio 1.4.0 (oldest stack) now and then warns NotGeoreferenced from rasterize when two threads
# of dask's default scheduler rasterise at once; the mask is made with the transform given (same array)
@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_tiles_on_the_default_dask_scheduler(basin):
    pytest.importorskip("dask_geopandas", reason="dask is not installed: pip install 'urbangeo[dask]'")
    panels, ref = basin
    assert_same(predict_subsidence(panels, resolution_m=25.0, tile_size=53, scheduler="dask"), ref)


def test_tiles_on_a_local_cluster(basin, dask_client):
    from distributed import get_task_stream

    panels, ref = basin
    with get_task_stream(client=dask_client) as stream:
        w = predict_subsidence(panels, resolution_m=25.0, tile_size=61)  # scheduler="auto": a client is in use
    assert_same(w, ref)
    tiles = [t for t in stream.data if str(t["key"]).startswith("('_fill") or "_fill-" in str(t["key"])]
    # one task per tile of the 5 x 5 that a panel reaches: the tiles where the answer is not 0
    reached = sum(bool(ref.array[r : r + 61, c : c + 61].any()) for r in range(0, 249, 61) for c in range(0, 288, 61))
    assert len(tiles) == reached == 20
    assert {t["worker"] for t in tiles} <= set(dask_client.scheduler_info()["workers"])


def test_real_dem_grid_on_a_local_cluster(shared_data, dask_client):
    dem = read_raster(shared_data("raster/minnesota_dem_1m.tif"))  # 400 x 400 cells of 1 m, UTM 15N
    x0, y0 = dem.bounds[0], dem.bounds[1]
    panels = gpd.GeoDataFrame(
        {"m": [2.0, 1.5, 2.5], "q": 0.8, "H": [60.0, 80.0, 50.0], "tan_beta": 2.0},
        geometry=[box(x0 + 60, y0 + 80, x0 + 140, y0 + 260),
                  affinity.rotate(box(x0 + 220, y0 + 150, x0 + 300, y0 + 330), 30),
                  Polygon([(x0 + 150, y0 + 300), (x0 + 260, y0 + 320), (x0 + 240, y0 + 390), (x0 + 170, y0 + 370)])],
        crs=dem.crs,
    )
    ref = predict_subsidence(panels, like=dem)
    w = predict_subsidence(panels, like=dem, tile_size=97)
    assert_same(w, ref)
    assert w.same_grid(dem) and float(w.array.max()) > 1.0


@pytest.mark.parametrize("bad", [0, -3, 2.5, "64", True])
def test_bad_tile_size_says_what_to_give(bad):
    with pytest.raises(InvalidOptionError, match="tile_size"):
        predict_subsidence(basin_panels(3), tile_size=bad)


def test_bad_scheduler_lists_the_choices():
    with pytest.raises(InvalidOptionError, match="scheduler"):
        predict_subsidence(basin_panels(3), tile_size=64, scheduler="threads")
