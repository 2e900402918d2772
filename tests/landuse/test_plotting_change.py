"""urbangeo.landuse.plotting_change: the transition heatmap and Sankey diagram."""

import numpy as np
import pandas as pd

from urbangeo.landuse import markov_matrix
from urbangeo.testing import assert_not_mutated

# the 9-pixel example of the domain notes (as in test_change.py)
NINE = pd.DataFrame([[2, 2, 1], [0, 0, 2], [1, 1, 0]], index=list("abc"), columns=list("abc"))


def test_plots_draw_what_the_matrix_says():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch

    from urbangeo.landuse import plot_transition_heatmap, plot_transition_sankey

    with assert_not_mutated(NINE):
        ax = plot_transition_heatmap(NINE, normalize="row")
    np.testing.assert_allclose(ax.images[0].get_array(), 100 * markov_matrix(NINE).to_numpy())
    ax1 = plot_transition_heatmap(NINE, include_persistence=False)
    shown = np.ma.filled(ax1.images[0].get_array().astype(float), np.nan)
    assert np.isnan(np.diag(shown)).all() and np.nansum(shown) == 7  # only the 7 changed pixels
    ax2 = plot_transition_sankey(NINE, dates=("2000", "2005"))
    ribbons = [p for p in ax2.patches if isinstance(p, PathPatch)]
    assert len(ribbons) == int((NINE.to_numpy() > 0).sum())
    ax3 = plot_transition_sankey(NINE, min_share_pct=15.0)  # only the 2-pixel flows (22 %) remain
    assert len([p for p in ax3.patches if isinstance(p, PathPatch)]) == 3
    plt.close("all")
