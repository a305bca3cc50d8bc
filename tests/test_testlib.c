/* The tolerance helper is itself tested: a missing factor there once let 100% errors pass. */
#include "testlib.h"
#include <math.h>

int main(void) {
    T_CHECK(t_close(1.0, 1.0, 0, 0), "equal values are close at zero tolerance");
    T_CHECK(!t_close(2.0, 1.0, 0, 0.5), "100%% error must fail rtol 0.5");
    T_CHECK(t_close(1.5, 1.0, 0, 0.5), "50%% error passes rtol 0.5");
    T_CHECK(!t_close(1.5 + 1e-12, 1.0, 0, 0.5), "just over rtol fails");
    T_CHECK(t_close(1e-20, 0.0, 1e-19, 0), "atol covers a zero reference");
    T_CHECK(!t_close(1e-18, 0.0, 1e-19, 1e-3), "rtol of a zero reference is no tolerance");
    T_CHECK(!t_close(NAN, NAN, 1, 1), "NaN is never close");
    T_CHECK(!t_close(INFINITY, 1e308, 1, 1), "inf is not close to a finite value");
    T_CHECK(t_close(-3.0, -3.0 * (1 + 1e-13), 0, 1e-12), "negative values use |b|");
    double a[3] = {1, 2, 3}, b[3] = {1, 2, 3.3};
    T_CHECK(fabs(t_relerr(a, b, 3) - 0.3 / sqrt(1 + 4 + 3.3 * 3.3)) < 1e-15, "relerr formula");
    T_CHECK(!t_same_bits(a, b, 3) && t_same_bits(a, a, 3), "bitwise compare");
    return t_summary();
}
