"""Array kernels of the probability integral method (PIM). No GeoDataFrames here.

Notation (Chinese mining practice, e.g. He Guoqing et al., *Mining Subsidence*, 1991;
Regulations for coal pillar retention and mining under buildings, water bodies and
railways, 2017): W0 = m q cos(alpha), r = H / tan(beta), sections

    C(x) = 0.5 * [erf(sqrt(pi) x / r1) - erf(sqrt(pi) (x - length) / r2)]

so that W = W0 * C(u) * C(v) for a rectangular panel in its own axes (u strike, v dip).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

SQRT_PI = math.sqrt(math.pi)

#: All quantities the kernels can produce (SI units: m, m/m, 1/m).
QUANTITIES = (
    "subsidence",
    "tilt_x",
    "tilt_y",
    "tilt_max",
    "curvature_x",
    "curvature_y",
    "curvature_xy",
    "curvature_max",
    "displacement_x",
    "displacement_y",
    "displacement_max",
    "strain_x",
    "strain_y",
    "strain_max",
)
UNITS = {
    "subsidence": "m",
    "tilt": "m/m",
    "curvature": "1/m",
    "displacement": "m",
    "strain": "m/m",
}

# Components summed over panels; the *_max fields are derived from them afterwards.
COMPONENTS = ("W", "ix", "iy", "kxx", "kyy", "kxy", "ux", "uy", "exx", "eyy", "exy")


def components_for(quantities) -> set[str]:
    need = set()
    for q in quantities:
        if q == "subsidence":
            need.add("W")
        elif q.startswith("tilt"):
            need |= {"ix", "iy"} if q == "tilt_max" else {"i" + q[-1]}
        elif q.startswith("curvature"):
            need |= {"kxx", "kyy", "kxy"} if q == "curvature_max" else {"k" + q.split("_")[1] * (2 if len(q.split("_")[1]) == 1 else 1)}
        elif q.startswith("displacement"):
            need |= {"ux", "uy"} if q == "displacement_max" else {"u" + q[-1]}
        elif q.startswith("strain"):
            need |= {"exx", "eyy", "exy"} if q == "strain_max" else {"e" + q[-1] * 2}
    return need


def section(x, length, r1, r2=None):
    """Normalised main-section subsidence C(x) (0..1) of a panel of computational length ``length``."""
    r2 = r1 if r2 is None else r2
    return 0.5 * (erf(SQRT_PI * x / r1) - erf(SQRT_PI * (x - length) / r2))


def section_d1(x, length, r1, r2=None):
    """dC/dx (1/m)."""
    r2 = r1 if r2 is None else r2
    return np.exp(-np.pi * x**2 / r1**2) / r1 - np.exp(-np.pi * (x - length) ** 2 / r2**2) / r2


def section_d2(x, length, r1, r2=None):
    """d2C/dx2 (1/m2)."""
    r2 = r1 if r2 is None else r2
    return -(2 * np.pi / r1**3) * x * np.exp(-np.pi * x**2 / r1**2) + (2 * np.pi / r2**3) * (x - length) * np.exp(
        -np.pi * (x - length) ** 2 / r2**2
    )


def rect_fields(u, v, *, w0, l_u, r_u, v_off, l_v, r_v1, r_v2, br, need, rot):
    """Fields of one rectangular panel at points with panel coordinates (u, v).

    ``u`` is along the strike axis from the computational edge (already offset), ``v``
    along the dip axis from the panel's up-dip plan edge; ``rot`` = (eu, ev) unit vectors
    of the panel axes in map coordinates, used to rotate vectors and tensors to x/y.
    Returns a dict of arrays for the requested components.
    """
    y = v - v_off
    cu = section(u, l_u, r_u)
    cv = section(y, l_v, r_v1, r_v2)
    out = {}
    if "W" in need:
        out["W"] = w0 * cu * cv
    grad = bool(need & {"ix", "iy", "ux", "uy"})
    hess = bool(need & {"kxx", "kyy", "kxy", "exx", "eyy", "exy"})
    (eux, euy), (evx, evy) = rot
    if grad:
        du = w0 * section_d1(u, l_u, r_u) * cv
        dv = w0 * cu * section_d1(y, l_v, r_v1, r_v2)
        ix = du * eux + dv * evx
        iy = du * euy + dv * evy
        if "ix" in need:
            out["ix"] = ix
        if "iy" in need:
            out["iy"] = iy
        if "ux" in need:
            out["ux"] = br * ix
        if "uy" in need:
            out["uy"] = br * iy
    if hess:
        huu = w0 * section_d2(u, l_u, r_u) * cv
        hvv = w0 * cu * section_d2(y, l_v, r_v1, r_v2)
        huv = w0 * section_d1(u, l_u, r_u) * section_d1(y, l_v, r_v1, r_v2)
        # H_xy = R H_uv R^T with R columns eu, ev
        kxx = huu * eux * eux + 2 * huv * eux * evx + hvv * evx * evx
        kyy = huu * euy * euy + 2 * huv * euy * evy + hvv * evy * evy
        kxy = huu * eux * euy + huv * (eux * evy + euy * evx) + hvv * evx * evy
        for key, val in (("kxx", kxx), ("kyy", kyy), ("kxy", kxy)):
            if key in need:
                out[key] = val
        for key, val in (("exx", kxx), ("eyy", kyy), ("exy", kxy)):
            if key in need:
                out[key] = br * val
    return out


def gaussian_fields(frac, *, w0, r, br, cell_x, cell_y, need, truncate=4.0):
    """Fields of a goaf coverage mask by Gaussian filtering (sigma = r / sqrt(2 pi)).

    ``frac`` holds the fraction of each cell covered by the computational goaf; rows run
    north to south. Derivatives use derivative-of-Gaussian filters (exact derivatives of
    the filtered surface).
    """
    from scipy.ndimage import gaussian_filter

    sigma = r / math.sqrt(2 * math.pi)
    sig = (sigma / cell_y, sigma / cell_x)
    out = {}

    def filt(order):
        return gaussian_filter(frac, sig, order=order, mode="constant", cval=0.0, truncate=truncate)

    if "W" in need:
        out["W"] = w0 * filt((0, 0))
    if need & {"ix", "iy", "ux", "uy"}:
        ix = w0 * filt((0, 1)) / cell_x
        iy = -w0 * filt((1, 0)) / cell_y  # rows run southwards
        for key, val in (("ix", ix), ("iy", iy), ("ux", br * ix), ("uy", br * iy)):
            if key in need:
                out[key] = val
    if need & {"kxx", "exx"}:
        kxx = w0 * filt((0, 2)) / cell_x**2
        out.update({k: v for k, v in (("kxx", kxx), ("exx", br * kxx)) if k in need})
    if need & {"kyy", "eyy"}:
        kyy = w0 * filt((2, 0)) / cell_y**2
        out.update({k: v for k, v in (("kyy", kyy), ("eyy", br * kyy)) if k in need})
    if need & {"kxy", "exy"}:
        kxy = -w0 * filt((1, 1)) / (cell_x * cell_y)
        out.update({k: v for k, v in (("kxy", kxy), ("exy", br * kxy)) if k in need})
    return out


def principal_abs_max(txx, tyy, txy):
    """Principal value of largest magnitude of a symmetric 2x2 tensor field (sign kept)."""
    mean = 0.5 * (txx + tyy)
    rad = np.sqrt((0.5 * (txx - tyy)) ** 2 + txy**2)
    a, b = mean + rad, mean - rad
    return np.where(np.abs(a) >= np.abs(b), a, b)


def finish(comp: dict, quantities) -> dict:
    """Turn summed components into the requested quantities."""
    out = {}
    for q in quantities:
        if q == "subsidence":
            out[q] = comp["W"]
        elif q == "tilt_max":
            out[q] = np.hypot(comp["ix"], comp["iy"])
        elif q == "displacement_max":
            out[q] = np.hypot(comp["ux"], comp["uy"])
        elif q == "curvature_max":
            out[q] = principal_abs_max(comp["kxx"], comp["kyy"], comp["kxy"])
        elif q == "strain_max":
            out[q] = principal_abs_max(comp["exx"], comp["eyy"], comp["exy"])
        else:
            kind, axis = q.split("_")
            key = {"tilt": "i", "displacement": "u"}.get(kind)
            if key is not None:
                out[q] = comp[key + axis]
            else:
                key = "k" if kind == "curvature" else "e"
                out[q] = comp[key + (axis * 2 if len(axis) == 1 else axis)]
    return out
