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
    /* the reference eigensolver: [[2,1,0],[1,2,0],[0,0,-5]] has eigenvalues -5, 1, 3 */
    double A[9] = {2, 1, 0, 1, 2, 0, 0, 0, -5}, w[3], V[9];
    t_jacobi_eigh(3, A, w, V);
    T_CHECK(fabs(w[0] + 5) < 1e-15 && fabs(w[1] - 1) < 1e-15 && fabs(w[2] - 3) < 1e-15, "Jacobi eigenvalues %g %g %g", w[0], w[1], w[2]);
    T_CHECK(fabs(fabs(V[0 * 3 + 2]) - sqrt(0.5)) < 1e-15 && fabs(V[2 * 3 + 2]) < 1e-15, "Jacobi top eigenvector (1,1,0)/sqrt 2");
    return t_summary();
}
