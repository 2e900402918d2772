"""PostGIS reading and writing behind :func:`urbangeo.read` and :func:`urbangeo.write`.

:func:`urbangeo.io.read` and :func:`urbangeo.io.write` send every source or target that
starts with ``postgresql://``, ``postgres://`` or ``PG:`` here. The connection goes
through SQLAlchemy, GeoAlchemy2 and psycopg 3 (``pip install urbangeo[postgis]``) and the
data through :func:`geopandas.read_postgis` and :meth:`GeoDataFrame.to_postgis`.

What survives a round trip, as with a GeoPackage:

* geometry (any type, Z, empty, None) and the geometry column's name;
* the CRS: the SRID of the geometry column when the CRS has an EPSG code, and the full
  CRS (WKT) in the table's comment, so a CRS without a code comes back too;
* every attribute and its pandas dtype (nullable ``Int64`` and ``boolean``,
  categoricals, datetimes), the index, and text in any script (the database is UTF-8):
  urbangeo stores the dtypes as JSON in the table comment (``COMMENT ON TABLE``), the
  same schema record under the same key (:data:`urbangeo._schema.META_KEY`) it keeps in a
  GeoPackage's metadata, and restores them on reading (:func:`urbangeo._schema.restore`);
* empty strings stay empty strings and missing values stay missing.

PostgreSQL truncates identifiers longer than 63 bytes (21 Chinese characters), so such
column names are refused before anything is written.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import _schema
from .errors import CRSMismatchError, InvalidOptionError, MissingColumnError, MissingDependencyError

log = logging.getLogger(__name__)

__all__ = ["read_postgis", "write_postgis", "list_postgis_layers"]

_MAX_IDENT_BYTES = 63
_INSTALL = "pip install 'urbangeo[postgis]'  (sqlalchemy, geoalchemy2, psycopg[binary])"


def _engine(url: str):
    """A SQLAlchemy engine on psycopg 3 for a URL or a libpq ``PG:`` string."""
    try:
        import geoalchemy2  # noqa: F401  (registers the geometry type with SQLAlchemy)
        import psycopg
        import sqlalchemy as sa
    except ImportError as exc:
        raise MissingDependencyError(f"PostGIS I/O needs {exc.name}: {_INSTALL}") from exc
    if url.startswith("PG:"):
        conninfo = url[3:]
        return sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(conninfo))
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return sa.create_engine("postgresql+psycopg://" + url[len(prefix) :])
    raise InvalidOptionError(
        f"not a PostgreSQL connection string: {_safe(url)!r}; use postgresql://user@host:port/database"
    )


def _safe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True) if "://" in url else url
    except Exception:
        return "<connection string>"


def _split_layer(layer: Any, what: str) -> tuple[str, str]:
    if not isinstance(layer, str) or not layer:
        raise InvalidOptionError(
            f"`layer` must name the table for {what}, as 'schema.table' or 'table' (schema public); got {layer!r}."
        )
    schema, _, table = layer.rpartition(".")
    return (schema or "public"), table


def _q(engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def _geometry_columns(conn, schema: str | None = None, table: str | None = None) -> pd.DataFrame:
    from sqlalchemy import text

    sql = "SELECT f_table_schema, f_table_name, f_geometry_column, srid, type FROM geometry_columns"
    params: dict[str, str] = {}
    if schema is not None:
        sql += " WHERE f_table_schema = :schema AND f_table_name = :table"
        params = {"schema": schema, "table": table or ""}
    rows = conn.execute(text(sql + " ORDER BY 1, 2, 3"), params).fetchall()
    return pd.DataFrame(rows, columns=["schema", "table", "geometry_column", "srid", "geometry_type"])


def list_postgis_layers(source: str) -> pd.DataFrame:
    """Tables with a geometry column in a PostGIS database.

    Returns a DataFrame with columns ``name`` (``schema.table``, what ``layer=`` takes),
    ``geometry_column``, ``srid`` and ``geometry_type``.
    """
    engine = _engine(source)
    try:
        with engine.connect() as conn:
            df = _geometry_columns(conn)
    finally:
        engine.dispose()
    df.insert(0, "name", df["schema"] + "." + df["table"])
    return df.drop(columns=["schema", "table"])


def read_postgis(
    source: str,
    *,
    layer: str | int | None = None,
    columns: list[str] | None = None,
    where: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    **kwargs: Any,
) -> gpd.GeoDataFrame:
    """Read a PostGIS table into a GeoDataFrame (use :func:`urbangeo.read`).

    Parameters
    ----------
    source : str
        ``postgresql://user[:password]@host[:port]/database`` or a libpq string
        ``PG:dbname=... host=...``.
    layer : str
        The table, ``"schema.table"`` or ``"table"`` (schema ``public``). A layer index
        (as :func:`urbangeo.read` takes for files) is refused: PostGIS tables are named.
    columns : list of str, optional
        Read only these attribute columns (the geometry is always read).
    where : str, optional
        SQL condition on the rows, e.g. ``"area_m2 > 1000"``.
    bbox : tuple, optional
        (minx, miny, maxx, maxy) in the table's CRS: only rows whose geometry
        intersects it.
    **kwargs
        Not used: anything here (a GDAL/pyogrio option meant for files) raises
        :class:`InvalidOptionError` rather than being ignored.

    Returns
    -------
    GeoDataFrame
        In the table's CRS, with the dtypes, index and geometry name restored when
        urbangeo wrote the table.

    Raises
    ------
    InvalidOptionError
        No ``layer``, or the table has no geometry column (the message lists those that do).
    MissingColumnError
        A name in ``columns`` is not in the table.
    MissingDependencyError
        sqlalchemy, geoalchemy2 or psycopg missing.
    """
    from sqlalchemy import text

    if kwargs:
        raise InvalidOptionError(
            f"reading from PostGIS takes layer=, columns=, where= and bbox=; {sorted(kwargs)} are file options."
        )
    engine = _engine(source)
    try:
        with engine.connect() as conn:
            if layer is None:
                names = (_geometry_columns(conn)[["schema", "table"]].agg(".".join, axis=1)).tolist()
                raise InvalidOptionError(
                    f"`layer` is required to read from PostGIS ({_safe(source)}); tables with geometry: "
                    f"{', '.join(names) or 'none'}."
                )
            schema, table = _split_layer(layer, "reading")
            geo = _geometry_columns(conn, schema, table)
            if geo.empty:
                names = (_geometry_columns(conn)[["schema", "table"]].agg(".".join, axis=1)).tolist()
                raise InvalidOptionError(
                    f"`layer`: no table {layer!r} with a geometry column in {_safe(source)}; "
                    f"tables with geometry: {', '.join(names) or 'none'}."
                )
            geom_col = str(geo["geometry_column"].iloc[0])
            srid = int(geo["srid"].iloc[0])
            all_cols = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                        "AND table_name = :t ORDER BY ordinal_position"
                    ),
                    {"s": schema, "t": table},
                )
            ]
            comment = conn.execute(
                text("SELECT obj_description(to_regclass(:rel), 'pg_class')"),
                {"rel": f"{_q(engine, schema)}.{_q(engine, table)}"},
            ).scalar()
            meta = _parse_comment(comment)
            index_cols = [c for c in (meta or {}).get("index", []) if c in all_cols]
            if columns is not None:
                missing = [c for c in columns if c not in all_cols]
                if missing:
                    raise MissingColumnError(
                        f"`columns`: {missing} not in {layer!r}; its columns are "
                        f"{[c for c in all_cols if c != geom_col]}."
                    )
                wanted = list(dict.fromkeys([*index_cols, *columns]))
            else:
                wanted = [c for c in all_cols if c != geom_col]
            ordered = [c for c in all_cols if c in wanted or c == geom_col]
            select = ", ".join(_q(engine, c) for c in ordered)
            sql = f"SELECT {select} FROM {_q(engine, schema)}.{_q(engine, table)}"
            conditions = []
            params: dict[str, float] = {}
            if where:
                conditions.append(f"({where})")
            if bbox is not None:
                if len(bbox) != 4:
                    raise InvalidOptionError(f"`bbox` must be (minx, miny, maxx, maxy); got {bbox!r}.")
                conditions.append(
                    f"{_q(engine, geom_col)} && ST_MakeEnvelope(:x0, :y0, :x1, :y1, {srid})"
                    if srid
                    else f"{_q(engine, geom_col)} && ST_MakeEnvelope(:x0, :y0, :x1, :y1)"
                )
                params = dict(zip(("x0", "y0", "x1", "y1"), map(float, bbox)))
            if conditions:
                sql += " WHERE " + " AND ".join(conditions)
            gdf = gpd.read_postgis(text(sql).bindparams(**params), conn, geom_col=geom_col)
    finally:
        engine.dispose()
    if meta and meta.get("crs"):
        from pyproj import CRS

        stored = CRS.from_user_input(meta["crs"])
        if gdf.crs is None or stored != gdf.crs:  # a CRS without an EPSG code (SRID 0)
            gdf = gdf.set_crs(stored, allow_override=True)
    if meta:
        gdf = _schema.restore(gdf, meta)
    return gdf


def _parse_comment(comment: str | None) -> dict | None:
    if not comment:
        return None
    try:
        data = json.loads(comment)
    except ValueError:
        return None
    return data.get(_schema.META_KEY) if isinstance(data, dict) else None


def write_postgis(
    gdf: gpd.GeoDataFrame,
    target: str,
    *,
    layer: str | None = None,
    mode: Literal["w", "a"] = "w",
    chunksize: int | None = None,
) -> str:
    """Write a GeoDataFrame to a PostGIS table (use :func:`urbangeo.write`); return the table name.

    Parameters
    ----------
    gdf : GeoDataFrame
        The data (not modified).
    target : str
        ``postgresql://user[:password]@host[:port]/database`` or ``PG:dbname=...``.
    layer : str
        The table, ``"schema.table"`` or ``"table"`` (schema ``public``); the schema is
        created when missing.
    mode : {"w", "a"}
        ``"w"`` replaces the table, ``"a"`` appends rows (the CRS must match the table's).
    chunksize : int, optional
        Rows per batch.

    Returns
    -------
    str
        ``"schema.table"``.

    Raises
    ------
    InvalidOptionError
        No ``layer``, a bad ``mode``, or a column name longer than 63 bytes.
    CRSMismatchError
        Appending data in another CRS than the table's.
    """
    from geoalchemy2 import Geometry
    from sqlalchemy import text

    if mode not in ("w", "a"):
        raise InvalidOptionError(f"`mode` must be 'w' or 'a'; got {mode!r}.")
    schema, table = _split_layer(layer, "writing")
    long = [str(c) for c in [*gdf.columns, table, schema] if len(str(c).encode()) > _MAX_IDENT_BYTES]
    if long:
        raise InvalidOptionError(
            f"PostgreSQL names are limited to {_MAX_IDENT_BYTES} bytes (21 Chinese characters); "
            f"{', '.join(long)} would be truncated. Rename them first, e.g. gdf.rename(columns={{...}})."
        )
    index_cols = _schema.index_names(gdf)
    out = _schema.index_as_columns(gdf, index_cols)
    out = out.set_geometry(out.geometry.name)
    meta = _schema.schema_of(out, index_cols)
    meta["crs"] = gdf.crs.to_wkt() if gdf.crs is not None else None
    geom_name = out.geometry.name
    srid = _srid(gdf.crs)
    geoms = out.geometry.values
    # the table's columns in the frame's order, geometry as hex EWKB text (PostGIS parses it)
    data = pd.DataFrame({c: out[c] for c in out.columns if c != geom_name})
    ewkb = shapely.to_wkb(shapely.set_srid(np.asarray(geoms), srid), hex=True, include_srid=True)
    data.insert(list(out.columns).index(geom_name), geom_name, pd.Series(ewkb, index=data.index, dtype=object))
    dtype = _text_dtypes(out)
    geom_type = _geometry_type(out)
    # mixed 2D / 3D needs a column without a typmod; the SRID is then a CHECK constraint
    if geom_type is None:
        dtype[geom_name] = Geometry(geometry_type=None, spatial_index=False)
    else:
        dtype[geom_name] = Geometry(geometry_type=geom_type, srid=srid, spatial_index=False)
    engine = _engine(target)
    qualified = f"{_q(engine, schema)}.{_q(engine, table)}"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {_q(engine, schema)}"))
            previous = None
            exists = conn.execute(text("SELECT to_regclass(:rel) IS NOT NULL"), {"rel": qualified}).scalar()
            if mode == "a" and exists:
                previous = conn.execute(text("SELECT obj_description(to_regclass(:rel), 'pg_class')"), {"rel": qualified}).scalar()
                target_srid = conn.execute(
                    text("SELECT Find_SRID(:s, :t, :g)"), {"s": schema, "t": table, "g": geom_name}
                ).scalar()
                if int(target_srid) != srid:
                    raise CRSMismatchError(
                        f"`gdf` (EPSG:{srid}) cannot be appended to {schema}.{table} (SRID {target_srid}); "
                        f"reproject first: gdf.to_crs({target_srid})."
                    )
            data.to_sql(
                table,
                conn,
                schema=schema,
                if_exists="replace" if mode == "w" else "append",
                index=False,
                chunksize=chunksize,
                dtype=dtype,
                method=_copy_rows,
            )
            if mode == "w" or not exists:
                if geom_type is None:
                    conn.execute(
                        text(f"ALTER TABLE {qualified} ADD CONSTRAINT {_q(engine, 'enforce_srid_' + geom_name)} "
                             f"CHECK (ST_SRID({_q(engine, geom_name)}) = {srid})")
                    )
                conn.execute(text(f"CREATE INDEX ON {qualified} USING GIST ({_q(engine, geom_name)})"))
            if mode == "w" or not _parse_comment(previous):
                _comment(conn, schema, table, json.dumps({_schema.META_KEY: meta}, ensure_ascii=False))
    finally:
        engine.dispose()
    log.info("wrote %d rows to %s.%s", len(gdf), schema, table)
    return f"{schema}.{table}"


def _srid(crs) -> int:
    """EPSG code of ``crs`` for the geometry column, 0 when it has none (the WKT is kept aside)."""
    if crs is None:
        return 0
    code = crs.to_epsg()
    return int(code) if code is not None else 0


def _geometry_type(gdf: gpd.GeoDataFrame) -> str | None:
    """PostGIS column type: the one geometry type, else GEOMETRY; Z when every geometry has Z.

    None (a column without a typmod) when 2D and 3D geometries are mixed.
    """
    types = {t for t in gdf.geometry.geom_type.dropna().unique() if t != "LinearRing"}
    if (gdf.geometry.geom_type == "LinearRing").any():
        types.add("LineString")
    kind = types.pop().upper() if len(types) == 1 else "GEOMETRY"
    arr = np.asarray(gdf.geometry.values)
    keep = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    geoms = arr[keep]
    has_z = shapely.has_z(geoms)
    if len(geoms) and bool(has_z.all()):
        return kind + "Z"
    return None if bool(has_z.any()) else kind


def _copy_rows(table, conn, keys, data_iter) -> None:
    """pandas ``to_sql`` method: COPY rows with psycopg, keeping '' apart from NULL."""
    from psycopg import sql

    name = sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(name, sql.SQL(", ").join(map(sql.Identifier, keys)))
    with conn.connection.cursor() as cur, cur.copy(stmt) as copy:
        for row in data_iter:
            copy.write_row(row)


def _comment(conn, schema: str, table: str, comment: str) -> None:
    """COMMENT ON TABLE takes a literal, not a parameter: let psycopg quote it."""
    from psycopg import sql

    with conn.connection.cursor() as cur:
        cur.execute(
            sql.SQL("COMMENT ON TABLE {}.{} IS {}").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Literal(comment)
            )
        )


def _text_dtypes(gdf: gpd.GeoDataFrame) -> dict:
    """Columns holding text are created as TEXT (no length limit, UTF-8)."""
    from sqlalchemy import Text

    out = {}
    for col in gdf.columns:
        if col == gdf.geometry.name:
            continue
        s = gdf[col]
        if pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = Text()
    return out
