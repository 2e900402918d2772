"""PostGIS I/O: urbangeo.write/read beside plain geopandas to_postgis/read_postgis.

Same 100,000 modelled points (Chinese text, float, nullable Int64, EPSG:4490), same
server, same run. urbangeo writes rows with COPY (keeping '' apart from NULL), stores the
dtypes and CRS in the table comment and adds a GiST index; geopandas writes CSV COPY.

    url=$(.ci/postgis-setup) && URBANGEO_TEST_PG=$url .venv/bin/python benchmarks/bench_postgis.py
"""

from __future__ import annotations

import os
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd

import urbangeo


def main(n: int = 100_000) -> None:
    url = os.environ.get("URBANGEO_TEST_PG")
    if not url:
        sys.exit("set URBANGEO_TEST_PG (see .ci/postgis-setup)")
    import sqlalchemy as sa

    rng = np.random.default_rng(0)
    gdf = gpd.GeoDataFrame(
        {
            "名称": rng.choice(["公园", "农田", "水面"], n),
            "v": rng.random(n),
            "k": pd.array(rng.integers(0, 100, n), dtype="Int64"),
        },
        geometry=gpd.points_from_xy(rng.uniform(113, 114, n), rng.uniform(23, 24, n)),
        crs=4490,
    )
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    times = {}
    try:
        t = time.perf_counter()
        urbangeo.write(gdf, url, layer="bench.u")
        times["urbangeo.write"] = time.perf_counter() - t
        t = time.perf_counter()
        urbangeo.read(url, layer="bench.u")
        times["urbangeo.read"] = time.perf_counter() - t
        t = time.perf_counter()
        gdf.to_postgis("g", engine, schema="bench", if_exists="replace")
        times["geopandas.to_postgis"] = time.perf_counter() - t
        t = time.perf_counter()
        gpd.read_postgis("SELECT * FROM bench.g", engine, geom_col="geometry")
        times["geopandas.read_postgis"] = time.perf_counter() - t
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS bench CASCADE"))
        engine.dispose()
    for k, v in times.items():
        print(f"{k:24s} {v:6.2f} s")
    print(f"write ratio urbangeo/geopandas {times['urbangeo.write'] / times['geopandas.to_postgis']:.2f}, "
          f"read ratio {times['urbangeo.read'] / times['geopandas.read_postgis']:.2f}")


if __name__ == "__main__":
    main()
