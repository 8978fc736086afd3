/* sim_fields.h - a simulation's signal fields for the tests that read them whole (test_sim,
 * test_state, test_totals, test_calibration).
 *
 * A lazy signal (every signal on a coarser grid, solve/signal_grids.h) has no array in the
 * simulation's fields: its state is its coarse state, and its voxel-grid values are that
 * state's prolongation, which derm_signal_grids_fine writes into a buffer here. An absent
 * signal (the exosomes before any treatment) has no array either: +0. Include after
 * <cmocka.h>. Not a test itself (CMake builds tests/unit/test_*.c only).
 */
#ifndef DERM_TEST_SIM_FIELDS_H
#define DERM_TEST_SIM_FIELDS_H

#include <stdlib.h>

#include "derm/sim/sim.h"

/* Signal q on the voxel grid: its array, its prolongation made into buf (grid.n values), or
 * +0 in buf for an absent signal (sim.h absent_signals). */
static inline const derm_real *signal_field(const struct derm_sim *s, int q, derm_real *buf)
{
    if (s->f.signal[q]) return s->f.signal[q];
    if (s->absent_signals >> q & 1u) {
        for (int64_t v = 0; v < s->grid.n; v++) buf[v] = 0.0;
        return buf;
    }
    assert_true(derm_signal_grids_lazy(s->diff, q));
    assert_int_equal(derm_signal_grids_fine(s->diff, q, buf), 0);
    return buf;
}

/* A buffer of grid.n values for signal_field (free it). */
static inline derm_real *signal_buffer(const struct derm_sim *s)
{
    derm_real *b = malloc((size_t)s->grid.n * sizeof *b);
    assert_non_null(b);
    return b;
}

#endif
