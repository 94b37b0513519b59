r"""Butcher tableaux of the Dormand–Prince pairs, with their error estimators and dense output.

Each tableau stores every stage it may need: the ``s`` main stages, the FSAL stage
:math:`f(t + h, y_{n+1})` (index ``s``), and, for DOP853, three extra stages used only for
dense output. The interpolant is stored in the monomial basis,

.. math:: y(t_n + \theta h) = y_n + h \sum_{p=1}^{P} \theta^p \sum_i d_{ip} k_i ,

so every method is evaluated by the same code.

References
----------
.. [1] J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta formulae",
   J. Comput. Appl. Math. 6 (1980) 19–26.
.. [2] L. F. Shampine, "Some practical Runge-Kutta formulas", Math. Comp. 46 (1986) 135–150
   (the quartic dense output of DOPRI5).
.. [3] E. Hairer, S. P. Nørsett, G. Wanner, *Solving Ordinary Differential Equations I*,
   2nd ed., Springer 1993, Sec. II.5 and II.6; coefficients of DOP853 as in Hairer's Fortran
   code ``dop853.f`` (http://www.unige.ch/~hairer/software.html).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import polynomial as P
from numpy.typing import NDArray

__all__ = ["DOP853_TABLEAU", "DOPRI5_TABLEAU", "ButcherTableau"]


@dataclass(frozen=True, slots=True, eq=False)
class ButcherTableau:
    r"""An explicit embedded Runge–Kutta pair with FSAL stage and dense output.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"DOPRI5"``.
    order : int
        Order of the propagated solution.
    error_order : int
        Order of the embedded error estimator; steps scale as ``err**(-1/(error_order+1))``.
    a : ndarray, shape (S, S)
        Stage coefficients of all ``S`` stages (main, FSAL, dense-output extras), strictly lower.
    c : ndarray, shape (S,)
        Stage nodes.
    n_stages : int
        Number ``s`` of main stages; stage ``s`` is the FSAL stage :math:`f(t+h, y_{n+1})`.
    b : ndarray, shape (s,)
        Weights of the propagated solution.
    error : ndarray, shape (s + 1,)
        Weights of the error estimate :math:`h\sum_i e_i k_i`.
    error_low : ndarray, shape (s + 1,) or None
        Weights of the second, lower-order estimate used by DOP853's combined error norm.
    dense : ndarray, shape (S, P)
        Dense-output coefficients :math:`d_{ip}` in the monomial basis above.

    Examples
    --------
    >>> DOPRI5_TABLEAU.order, DOPRI5_TABLEAU.n_stages, DOP853_TABLEAU.dense.shape
    (5, 6, (16, 7))
    """

    name: str
    order: int
    error_order: int
    a: NDArray[np.float64]
    c: NDArray[np.float64]
    n_stages: int
    b: NDArray[np.float64]
    error: NDArray[np.float64]
    error_low: NDArray[np.float64] | None
    dense: NDArray[np.float64]

    @property
    def n_dense_stages(self) -> int:
        """Number of stages the dense output needs (main, FSAL and extras)."""
        return self.a.shape[0]


_DOPRI5_A = (
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_DOPRI5_ERROR = (-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40)
_DOPRI5_DENSE = (
    (1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432),
    (0.0, 0.0, 0.0, 0.0),
    (0.0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799),
    (0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072),
    (0.0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632),
    (0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844),
    (0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423),
)


def _lower(rows: tuple[tuple[float, ...], ...]) -> NDArray[np.float64]:
    a = np.zeros((len(rows) + 1, len(rows) + 1))
    for i, row in enumerate(rows, start=1):
        a[i, : len(row)] = row
    return a


def _dopri5() -> ButcherTableau:
    a = _lower(_DOPRI5_A)
    return ButcherTableau(
        name="DOPRI5",
        order=5,
        error_order=4,
        a=a,
        c=a.sum(axis=1),
        n_stages=6,
        b=a[6, :6].copy(),
        error=np.array(_DOPRI5_ERROR),
        error_low=None,
        dense=np.array(_DOPRI5_DENSE),
    )


_DOP853_A = {
    1: {0: 5.26001519587677318785587544488e-2},
    2: {0: 1.97250569845378994544595329183e-2, 1: 5.91751709536136983633785987549e-2},
    3: {0: 2.95875854768068491816892993775e-2, 2: 8.87627564304205475450678981324e-2},
    4: {
        0: 2.41365134159266685502369798665e-1,
        2: -8.84549479328286085344864962717e-1,
        3: 9.24834003261792003115737966543e-1,
    },
    5: {
        0: 3.7037037037037037037037037037e-2,
        3: 1.70828608729473871279604482173e-1,
        4: 1.25467687566822425016691814123e-1,
    },
    6: {
        0: 3.7109375e-2,
        3: 1.70252211019544039314978060272e-1,
        4: 6.02165389804559606850219397283e-2,
        5: -1.7578125e-2,
    },
    7: {
        0: 3.70920001185047927108779319836e-2,
        3: 1.70383925712239993810214054705e-1,
        4: 1.07262030446373284651809199168e-1,
        5: -1.53194377486244017527936158236e-2,
        6: 8.27378916381402288758473766002e-3,
    },
    8: {
        0: 6.24110958716075717114429577812e-1,
        3: -3.36089262944694129406857109825,
        4: -8.68219346841726006818189891453e-1,
        5: 2.75920996994467083049415600797e1,
        6: 2.01540675504778934086186788979e1,
        7: -4.34898841810699588477366255144e1,
    },
    9: {
        0: 4.77662536438264365890433908527e-1,
        3: -2.48811461997166764192642586468,
        4: -5.90290826836842996371446475743e-1,
        5: 2.12300514481811942347288949897e1,
        6: 1.52792336328824235832596922938e1,
        7: -3.32882109689848629194453265587e1,
        8: -2.03312017085086261358222928593e-2,
    },
    10: {
        0: -9.3714243008598732571704021658e-1,
        3: 5.18637242884406370830023853209,
        4: 1.09143734899672957818500254654,
        5: -8.14978701074692612513997267357,
        6: -1.85200656599969598641566180701e1,
        7: 2.27394870993505042818970056734e1,
        8: 2.49360555267965238987089396762,
        9: -3.0467644718982195003823669022,
    },
    11: {
        0: 2.27331014751653820792359768449,
        3: -1.05344954667372501984066689879e1,
        4: -2.00087205822486249909675718444,
        5: -1.79589318631187989172765950534e1,
        6: 2.79488845294199600508499808837e1,
        7: -2.85899827713502369474065508674,
        8: -8.87285693353062954433549289258,
        9: 1.23605671757943030647266201528e1,
        10: 6.43392746015763530355970484046e-1,
    },
    12: {
        0: 5.42937341165687622380535766363e-2,
        5: 4.45031289275240888144113950566,
        6: 1.89151789931450038304281599044,
        7: -5.8012039600105847814672114227,
        8: 3.1116436695781989440891606237e-1,
        9: -1.52160949662516078556178806805e-1,
        10: 2.01365400804030348374776537501e-1,
        11: 4.47106157277725905176885569043e-2,
    },
    13: {
        0: 5.61675022830479523392909219681e-2,
        6: 2.53500210216624811088794765333e-1,
        7: -2.46239037470802489917441475441e-1,
        8: -1.24191423263816360469010140626e-1,
        9: 1.5329179827876569731206322685e-1,
        10: 8.20105229563468988491666602057e-3,
        11: 7.56789766054569976138603589584e-3,
        12: -8.298e-3,
    },
    14: {
        0: 3.18346481635021405060768473261e-2,
        5: 2.83009096723667755288322961402e-2,
        6: 5.35419883074385676223797384372e-2,
        7: -5.49237485713909884646569340306e-2,
        10: -1.08347328697249322858509316994e-4,
        11: 3.82571090835658412954920192323e-4,
        12: -3.40465008687404560802977114492e-4,
        13: 1.41312443674632500278074618366e-1,
    },
    15: {
        0: -4.28896301583791923408573538692e-1,
        5: -4.69762141536116384314449447206,
        6: 7.68342119606259904184240953878,
        7: 4.06898981839711007970213554331,
        8: 3.56727187455281109270669543021e-1,
        12: -1.39902416515901462129418009734e-3,
        13: 2.9475147891527723389556272149,
        14: -9.15095847217987001081870187138,
    },
}
_DOP853_C = (
    0.0,
    0.526001519587677318785587544488e-01,
    0.789002279381515978178381316732e-01,
    0.118350341907227396726757197510,
    0.281649658092772603273242802490,
    0.333333333333333333333333333333,
    0.25,
    0.307692307692307692307692307692,
    0.651282051282051282051282051282,
    0.6,
    0.857142857142857142857142857142,
    1.0,
    1.0,
    0.1,
    0.2,
    0.777777777777777777777777777778,
)

_DOP853_B3 = {
    0: 0.244094488188976377952755905512,
    8: 0.733846688281611857341361741547,
    11: 0.220588235294117647058823529412e-1,
}
_DOP853_E5 = {
    0: 0.1312004499419488073250102996e-1,
    5: -0.1225156446376204440720569753e+1,
    6: -0.4957589496572501915214079952,
    7: 0.1664377182454986536961530415e+1,
    8: -0.3503288487499736816886487290,
    9: 0.3341791187130174790297318841,
    10: 0.8192320648511571246570742613e-1,
    11: -0.2235530786388629525884427845e-1,
}
_DOP853_D = (
    {
        0: -0.84289382761090128651353491142e+1,
        5: 0.56671495351937776962531783590,
        6: -0.30689499459498916912797304727e+1,
        7: 0.23846676565120698287728149680e+1,
        8: 0.21170345824450282767155149946e+1,
        9: -0.87139158377797299206789907490,
        10: 0.22404374302607882758541771650e+1,
        11: 0.63157877876946881815570249290,
        12: -0.88990336451333310820698117400e-1,
        13: 0.18148505520854727256656404962e+2,
        14: -0.91946323924783554000451984436e+1,
        15: -0.44360363875948939664310572000e+1,
    },
    {
        0: 0.10427508642579134603413151009e+2,
        5: 0.24228349177525818288430175319e+3,
        6: 0.16520045171727028198505394887e+3,
        7: -0.37454675472269020279518312152e+3,
        8: -0.22113666853125306036270938578e+2,
        9: 0.77334326684722638389603898808e+1,
        10: -0.30674084731089398182061213626e+2,
        11: -0.93321305264302278729567221706e+1,
        12: 0.15697238121770843886131091075e+2,
        13: -0.31139403219565177677282850411e+2,
        14: -0.93529243588444783865713862664e+1,
        15: 0.35816841486394083752465898540e+2,
    },
    {
        0: 0.19985053242002433820987653617e+2,
        5: -0.38703730874935176555105901742e+3,
        6: -0.18917813819516756882830838328e+3,
        7: 0.52780815920542364900561016686e+3,
        8: -0.11573902539959630126141871134e+2,
        9: 0.68812326946963000169666922661e+1,
        10: -0.10006050966910838403183860980e+1,
        11: 0.77771377980534432092869265740,
        12: -0.27782057523535084065932004339e+1,
        13: -0.60196695231264120758267380846e+2,
        14: 0.84320405506677161018159903784e+2,
        15: 0.11992291136182789328035130030e+2,
    },
    {
        0: -0.25693933462703749003312586129e+2,
        5: -0.15418974869023643374053993627e+3,
        6: -0.23152937917604549567536039109e+3,
        7: 0.35763911791061412378285349910e+3,
        8: 0.93405324183624310003907691704e+2,
        9: -0.37458323136451633156875139351e+2,
        10: 0.10409964950896230045147246184e+3,
        11: 0.29840293426660503123344363579e+2,
        12: -0.43533456590011143754432175058e+2,
        13: 0.96324553959188282948394950600e+2,
        14: -0.39177261675615439165231486172e+2,
        15: -0.14972683625798562581422125276e+3,
    },
)


def _dense_dop853(b: NDArray[np.float64], d: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Expand Hairer's nested interpolant into the monomial basis.

    DOP853 writes :math:`y(\theta) - y_n = \theta(F_0 + (1-\theta)(F_1 + \theta(F_2 + (1-\theta)(F_3
    + \dots))))` with :math:`F_0 = \Delta y`, :math:`F_1 = h k_0 - \Delta y`,
    :math:`F_2 = 2\Delta y - h(k_0 + k_s)` and :math:`F_{3..6} = h\,D k`.
    """
    n_total, s = d.shape[1], b.size
    weights = np.zeros((7, n_total))
    weights[0, :s] = b
    weights[1, :s] = -b
    weights[1, 0] += 1.0
    weights[2, :s] = 2 * b
    weights[2, 0] -= 1.0
    weights[2, s] -= 1.0
    weights[3:] = d
    dense = np.zeros((n_total, 8))
    basis = np.array([1.0])
    for j in range(7):
        basis = P.polymul(basis, [0.0, 1.0] if j % 2 == 0 else [1.0, -1.0])
        dense[:, : basis.size] += np.outer(weights[j], basis)
    return dense[:, 1:]


def _dop853() -> ButcherTableau:
    n_total, s = 16, 12
    a = np.zeros((n_total, n_total))
    for i, row in _DOP853_A.items():
        for j, value in row.items():
            a[i, j] = value
    b = a[s, :s].copy()
    error_low = np.zeros(s + 1)
    error_low[:s] = b
    for j, value in _DOP853_B3.items():
        error_low[j] -= value
    error = np.zeros(s + 1)
    for j, value in _DOP853_E5.items():
        error[j] = value
    d = np.zeros((4, n_total))
    for i, row in enumerate(_DOP853_D):
        for j, value in row.items():
            d[i, j] = value
    return ButcherTableau(
        name="DOP853",
        order=8,
        error_order=7,
        a=a,
        c=np.array(_DOP853_C),
        n_stages=s,
        b=b,
        error=error,
        error_low=error_low,
        dense=_dense_dop853(b, d),
    )


DOPRI5_TABLEAU = _dopri5()
"""The tableau of :class:`DormandPrince54`: Dormand–Prince 5(4) with Shampine's quartic dense output [1]_ [2]_."""

DOP853_TABLEAU = _dop853()
"""The tableau of :class:`DormandPrince853`: Dormand–Prince 8(5,3) with Hairer's seventh-order dense output [3]_."""

_RENAMED = {"DOPRI5": "DOPRI5_TABLEAU", "DOP853": "DOP853_TABLEAU"}


def renamed(module: str, name: str) -> ButcherTableau:
    """The tableau once called ``name`` (``DOPRI5``, ``DOP853``), with a :class:`DeprecationWarning`.

    For the module ``__getattr__`` of ``module``; raises :class:`AttributeError` for other names.
    """
    new = _RENAMED.get(name)
    if new is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{name} is renamed {new}, so that the tableau is not mistaken for the method (DormandPrince54 or "
        f"DormandPrince853); {name} goes in the next release.",
        DeprecationWarning,
        stacklevel=3,
    )
    tableau: ButcherTableau = globals()[new]
    return tableau


def __getattr__(name: str) -> ButcherTableau:
    return renamed(__name__, name)
