/* chain.c - the exact two-compartment chain as a function (see chain.h). */
#include "derm/solve/chain.h"

double derm_chain_step(double P, double a, double b, double yield, double t, double *x, double *y)
{
    return derm_chain_advance(P, a, b, yield, t, x, y);
}
