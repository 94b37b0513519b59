r"""The matrix sign ``msign(M) = M (M^T M)^{-1/2}``, exactly or by Newton–Schulz.

For ``M = U Σ V^T`` (thin SVD) the matrix sign replaces every singular value by its sign:

.. math:: \operatorname{msign}(M) = M (M^\top M)^{-1/2} = (M M^\top)^{-1/2} M = U \operatorname{sign}(\Sigma) V^\top,

with the pseudo-inverse square root, so a zero singular value stays zero. It is the polar
factor of ``M``, the nearest semi-orthogonal matrix to ``M`` in Frobenius norm, and the
steepest-descent direction under the spectral norm (see :mod:`extremal.optim`).

Both methods first rescale each matrix by an exact power of two so that its largest entry
lies in ``[1/2, 1)``, so the result is the same for ``M`` and ``2^k M`` bit for bit, and for
``cM`` up to the rounding of the input, over the whole finite range of every floating dtype
(subnormal entries included). A matrix with an ``inf`` or ``nan`` entry gives an all-``nan``
result; the other matrices of a batch are computed as usual.

Two methods, passed as values; each is an :class:`MsignMethod` and computes the matrix sign
when called (``SVDPolar()(M)``), and :func:`msign` calls the method it is given:

- :class:`SVDPolar`: exact, through ``torch.linalg.svd``;
- :class:`NewtonSchulz`: a few iterations of an odd matrix polynomial
  :math:`X \leftarrow aX + b(XX^\top)X + c(XX^\top)^2X`, matrix products only, fast in
  bfloat16. With the tuned quintic coefficients of Jordan et al. (2024) the result is
  :math:`U S' V^\top` with :math:`S'` inside a band around 1 rather than exactly 1; see
  :class:`NewtonSchulz` for the band.

References
----------
K. Jordan, Y. Jin, V. Boza, J. You, F. Cesista, L. Newhouse, J. Bernstein, "Muon: An optimizer
for hidden layers in neural networks", 2024, https://kellerjordan.github.io/posts/muon/
(the quintic coefficients ``(3.4445, -4.7750, 2.0315)``).

N. Amsel, D. Persson, C. Musco, R. M. Gower, "The Polar Express: Optimal Matrix Sign Methods
and Their Application to the Muon Algorithm", 2025, arXiv:2505.16932 (per-step minimax
polynomials, the construction of :data:`MINIMAX_QUINTIC`).

J. Su, "Why do we prefer isotropy? An understanding through steepest descent",
2026, https://kexue.fm/archives/11549 (the definition ``M (M^T M)^{-1/2}``).
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extremal._optional import require
from extremal.errors import InputError
from extremal.optim._validate import is_real

if TYPE_CHECKING:
    import torch
else:
    torch = require("torch", extra="torch")

__all__ = ["JORDAN_QUINTIC", "MINIMAX_QUINTIC", "MsignMethod", "NewtonSchulz", "SVDPolar", "msign"]

# Constants of the Newton–Schulz iteration.
# JORDAN_QUINTIC: the coefficients of Jordan et al. (2024), https://kellerjordan.github.io/posts/muon/
# and https://github.com/KellerJordan/Muon/blob/master/muon.py (also DEFAULT_A/B/C of torch/optim/_muon.py).
# MINIMAX_QUINTIC: the greedy per-step minimax construction of Amsel et al. (2025), arXiv:2505.16932,
# run from the interval [2e-3, 1] with a 1 % safety margin per step.
JORDAN_QUINTIC: tuple[float, float, float] = (3.4445, -4.7750, 2.0315)
"""Quintic Newton–Schulz coefficients ``(a, b, c)`` of Jordan et al. (2024), tuned for the
largest slope at zero that still keeps five iterations inside ``[0.68, 1.21]``."""

MINIMAX_QUINTIC: tuple[tuple[float, float, float], ...] = (
    (8.34421, -24.2061, 17.5976),
    (4.07564, -2.97331, 0.547778),
    (3.70239, -2.71736, 0.52003),
    (2.81414, -2.07037, 0.451009),
    (2.01338, -1.38902, 0.383977),
)
"""Five per-step quintics, each the minimax approximation of 1 on the interval of singular
values left by the previous steps, starting from ``[2e-3, 1]`` with a 1 % margin per step
(the greedy construction of Amsel et al. 2025, "The Polar Express"). Same cost as
:data:`JORDAN_QUINTIC` with 5 steps, but a band ``[0.971, 1.029]`` instead of ``[0.68, 1.21]``."""

_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class MsignMethod(abc.ABC):
    r"""A way to compute the matrix sign; calling it computes ``msign(M)``.

    A method is a small frozen value (its options are its fields). Calling it checks ``M``
    (a real floating tensor of shape ``(..., m, n)``, else :class:`~extremal.errors.InputError`),
    returns an empty ``M`` as a copy and otherwise returns :meth:`polar` of it, as
    ``torch.nn.Module.__call__`` runs ``forward``. A new method is one subclass that
    implements :meth:`polar` with the contract of :func:`msign`; :func:`msign`,
    :class:`~extremal.optim.Spectral`, :func:`~extremal.optim.muon_update` and
    :class:`~extremal.optim.Muon` accept it. :class:`~extremal.optim.Muon` writes only the
    methods of extremal itself into a checkpoint: the checkpoint names the class, and only
    extremal's own classes can be rebuilt from a name.

    Examples
    --------
    >>> import torch
    >>> isinstance(SVDPolar(), MsignMethod)
    True
    >>> SVDPolar()(torch.tensor([[0.0, -2.0]]))
    tensor([[ 0., -1.]])
    """

    __slots__ = ()

    def __call__(self, M: torch.Tensor) -> torch.Tensor:
        """``msign(M)`` of each matrix of ``M``: shape ``(..., m, n)``, same dtype and device."""
        _check_matrix(M)
        if M.numel() == 0:
            return M.clone()
        return self.polar(M)

    @abc.abstractmethod
    def polar(self, M: torch.Tensor) -> torch.Tensor:
        """The polar factor of each matrix of ``M``, already checked to be a non-empty floating
        tensor of shape ``(..., m, n)``; call the method itself rather than this."""


@dataclass(frozen=True, slots=True)
class SVDPolar(MsignMethod):
    r"""Exact matrix sign from the thin SVD: ``U sign(Σ) V^T``.

    Singular values at most ``rtol · σ_max`` count as zero, so rank-deficient and zero
    matrices give the pseudo-inverse form ``U_r V_r^T`` (and ``0`` for ``M = 0``). A wide
    matrix is computed as the transpose of its tall twin, ``msign(M^T)^T``, whose SVD is
    cheaper; the two orientations give the same bits.

    Parameters
    ----------
    rtol : float or None
        Relative threshold for zero singular values. ``None`` uses ``max(m, n) · eps`` of
        the input dtype (as ``torch.linalg.matrix_rank`` does), so rounding noise of a
        bfloat16 input is not blown up to singular value 1.

    Examples
    --------
    >>> import torch
    >>> msign(torch.tensor([[3.0, 0.0], [0.0, 0.0]]), SVDPolar())
    tensor([[1., 0.],
            [0., 0.]])
    """

    rtol: float | None = None

    def __post_init__(self) -> None:
        if self.rtol is not None and not (is_real(self.rtol) and 0.0 <= self.rtol < 1.0):
            raise InputError(f"SVDPolar.rtol must be a float in [0, 1) or None; got {self.rtol!r}.")

    def polar(self, M: torch.Tensor) -> torch.Tensor:
        """``U sign(Σ) V^T`` of each matrix of ``M``; see :class:`MsignMethod`."""
        if M.shape[-2] < M.shape[-1]:
            # msign(M) = msign(M^T)^T, and the SVD of the tall orientation is the cheaper one
            # (LAPACK's gesdd on a 1024 x 4096 matrix takes 2.5-3 times as long as on its transpose).
            return self.polar(M.mT).mT
        scaled, finite = _unit_max(M)
        work = scaled if M.dtype in (torch.float32, torch.float64) else scaled.float()
        ok = finite[..., None, None]
        work = torch.where(ok, work, 0.0)
        U, S, Vh = torch.linalg.svd(work, full_matrices=False)
        rtol = self.rtol if self.rtol is not None else max(M.shape[-2:]) * torch.finfo(M.dtype).eps
        smax = S[..., :1]
        keep = (rtol * smax < S).to(work.dtype)
        out = (U * keep.unsqueeze(-2)) @ Vh
        return torch.where(ok, out, math.nan).to(M.dtype)


@dataclass(frozen=True, slots=True)
class NewtonSchulz(MsignMethod):
    r"""Newton–Schulz iteration for ``msign`` with an odd quintic polynomial per step.

    After scaling :math:`X_0 = M/\lVert M\rVert_F` (so every singular value is at most 1;
    the norm is taken after an exact power-of-two rescaling, so it neither overflows nor
    underflows, and ``M = 0`` maps to ``0``), each step applies

    .. math:: A = X X^\top,\qquad X \leftarrow a X + (b A + c A^2) X ,

    with ``(a, b, c) = coeffs[k]`` at step ``k`` (the last triple repeats when ``steps``
    exceeds ``len(coeffs)``). Singular vectors are kept; each singular value follows the
    scalar map :math:`x \mapsto a x + b x^3 + c x^5`. Tall inputs are transposed so the Gram
    matrix is the small one: the cost is :math:`(4 m^2 n + 2 m^3)` flops per step with
    ``m = min(rows, cols)``, ``n = max(rows, cols)``.

    **Band.** With the default :data:`JORDAN_QUINTIC` and 5 steps, every singular value
    :math:`\sigma \ge 2\cdot10^{-3}\lVert M\rVert_F` is mapped into ``[0.68, 1.21]`` in exact
    arithmetic; computed in bfloat16 or float32 the output singular values lie in
    ``[0.65, 1.25]``. Smaller singular values are amplified by at most
    :math:`a^5 \approx 487` and stay below the band; zero stays zero. With
    ``coeffs=MINIMAX_QUINTIC`` (5 steps) the band is ``[0.971, 1.029]`` in exact arithmetic
    and ``[0.96, 1.04]`` in bfloat16 or float32. Both bands are checked in
    ``tests/optim/test_msign.py``.

    Parameters
    ----------
    coeffs : tuple of (a, b, c) triples
        Polynomial coefficients, one triple per step. Default ``(JORDAN_QUINTIC,)``.
    steps : int
        Number of iterations, at least 1. Default 5.
    dtype : torch.dtype or None
        Working dtype of the iteration (``torch.bfloat16`` by default, as in Muon); ``None``
        keeps the input dtype. The result is returned in the input dtype.

    Examples
    --------
    >>> import torch
    >>> ns = NewtonSchulz(steps=5, dtype=torch.float32)
    >>> ns(torch.diag(torch.tensor([2.0, 1.0]))).diagonal()
    tensor([0.6888, 1.1142])
    """

    coeffs: tuple[tuple[float, float, float], ...] = (JORDAN_QUINTIC,)
    steps: int = 5
    dtype: torch.dtype | None = torch.bfloat16

    def __post_init__(self) -> None:
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 1:
            raise InputError(f"NewtonSchulz.steps must be an int >= 1; got {self.steps!r}.")
        if not isinstance(self.coeffs, tuple) or len(self.coeffs) == 0:
            raise InputError(
                f"NewtonSchulz.coeffs must be a non-empty tuple of (a, b, c) triples; got {self.coeffs!r}. "
                "Pass e.g. coeffs=(JORDAN_QUINTIC,)."
            )
        for triple in self.coeffs:
            if not isinstance(triple, tuple) or len(triple) != 3:
                raise InputError(f"NewtonSchulz.coeffs must hold (a, b, c) triples; got {triple!r} in {self.coeffs!r}.")
            if not all(is_real(x) and math.isfinite(x) for x in triple):
                raise InputError(
                    "NewtonSchulz.coeffs must hold finite real numbers (not booleans); "
                    f"got {triple!r} in {self.coeffs!r}."
                )
        if self.dtype is not None and self.dtype not in _FLOAT_DTYPES:
            raise InputError(
                f"NewtonSchulz.dtype must be a floating torch dtype or None; got {self.dtype!r}. "
                "Use torch.bfloat16, torch.float32 or None."
            )

    def flops(self, rows: int, cols: int) -> int:
        """Floating-point operations of the matrix products for one ``rows × cols`` input.

        Examples
        --------
        >>> NewtonSchulz(steps=5).flops(2, 4)
        400
        """
        m, n = min(rows, cols), max(rows, cols)
        return self.steps * (4 * m * m * n + 2 * m**3)

    def polar(self, M: torch.Tensor) -> torch.Tensor:
        """The iteration applied to each matrix of ``M``; see :class:`MsignMethod`."""
        dtype = self.dtype if self.dtype is not None else M.dtype
        tall = M.shape[-2] > M.shape[-1]
        X = M.mT if tall else M
        batch_shape = X.shape[:-2]
        m, n = X.shape[-2:]
        X, finite = _unit_max(X.reshape(-1, m, n))
        wide = torch.float64 if X.dtype == torch.float64 else torch.float32
        norm = torch.linalg.vector_norm(X, dim=(-2, -1), keepdim=True, dtype=wide)
        # X / ||X||_F in place (X is a fresh buffer), NaN for a matrix with a non-finite entry.
        inverse = torch.where(finite[:, None, None], 1.0 / torch.where(norm > 0, norm, 1.0), math.nan)
        X = X.mul_(inverse.to(X.dtype)).to(dtype)
        single = X.shape[0] == 1
        if single:
            X = X[0]
        last = len(self.coeffs) - 1
        for k in range(self.steps):
            a, b, c = self.coeffs[min(k, last)]
            if single:
                A = X @ X.mT
                B = torch.addmm(A, A, A, beta=b, alpha=c)
                X = torch.addmm(X, B, X, beta=a)
            else:
                A = torch.bmm(X, X.mT)
                B = torch.baddbmm(A, A, A, beta=b, alpha=c)
                X = torch.baddbmm(X, B, X, beta=a)
        X = X.reshape(*batch_shape, m, n)
        if tall:
            X = X.mT
        return X.to(M.dtype)


def msign(M: torch.Tensor, method: MsignMethod = SVDPolar()) -> torch.Tensor:
    r"""Matrix sign ``M (M^T M)^{-1/2}`` of each matrix in a batch.

    .. math:: \operatorname{msign}(M) = U \operatorname{sign}(\Sigma) V^\top
       \quad\text{for}\quad M = U\Sigma V^\top .

    Parameters
    ----------
    M : torch.Tensor
        Shape ``(..., m, n)``, floating dtype; wide (``m < n``), square or tall. Leading
        dimensions are a batch.
    method : MsignMethod
        :class:`SVDPolar` (default) is exact; :class:`NewtonSchulz` is fast and approximate.
        ``msign(M, method)`` is ``method(M)``.

    Returns
    -------
    torch.Tensor
        Shape ``(..., m, n)``, same dtype and device as ``M``. Invariant under ``M -> cM``
        for ``c > 0`` over the whole finite range of the dtype: exactly for ``c = 2^k``
        (while ``cM`` stays normal), up to the rounding of ``cM`` otherwise. Zero and
        rank-deficient matrices give finite results (``msign(0) = 0``). A matrix with a
        non-finite entry gives ``nan`` in every entry of its own result only, with either
        method, so one bad matrix never discards the rest of a batch; check
        ``out.isnan().flatten(-2).any(-1)`` to find such matrices.

    Raises
    ------
    InputError
        If ``M`` is not a floating tensor with at least two dimensions, or ``method`` is
        not an :class:`MsignMethod`.

    Examples
    --------
    >>> import torch
    >>> M = torch.tensor([[2.0, 0.0], [0.0, -3.0]])
    >>> msign(M)
    tensor([[ 1.,  0.],
            [ 0., -1.]])
    >>> msign(torch.zeros(2, 3), NewtonSchulz())
    tensor([[0., 0., 0.],
            [0., 0., 0.]])

    Scale does not matter, down to subnormal entries and up to the largest float:

    >>> torch.equal(msign(M * 1e-40), msign(M)), torch.equal(msign(M * 1e38), msign(M))
    (True, True)

    A non-finite matrix spoils only its own result:

    >>> msign(torch.stack([M, torch.full((2, 2), float("nan"))]))[:, 0]
    tensor([[1., 0.],
            [nan, nan]])
    """
    if not isinstance(method, MsignMethod):
        raise InputError(
            f"method must be an MsignMethod such as SVDPolar() or NewtonSchulz(...); got {method!r} "
            f"({type(method).__name__})."
        )
    return method(M)


def _check_matrix(M: torch.Tensor) -> None:
    """:class:`InputError` unless ``M`` is a real floating tensor of shape ``(..., m, n)``."""
    if not isinstance(M, torch.Tensor):
        raise InputError(f"M must be a torch.Tensor; got {type(M).__name__}. Wrap it with torch.as_tensor(M).")
    if M.ndim < 2:
        raise InputError(
            f"M must have shape (..., m, n) with at least 2 dimensions; got shape {tuple(M.shape)}. "
            "For a vector use M.reshape(1, -1)."
        )
    if M.dtype not in _FLOAT_DTYPES:
        raise InputError(f"M must have a real floating dtype; got {M.dtype}. Convert it with M.float().")


def _pow2(k: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``2**k`` exactly, from the bits, for integer ``k`` in [-126, 127] (float32) or [-1022, 1023] (float64)."""
    if dtype == torch.float64:
        return ((k.to(torch.int64) + 1023) << 52).view(torch.float64)
    return ((k.to(torch.int32) + 127) << 23).view(torch.float32)


def largest_magnitude(t: torch.Tensor, dims: tuple[int, ...] | None = None) -> torch.Tensor:
    """``max |t|`` over ``dims`` (all of ``t`` for ``None``; kept as size-1 dimensions), NaN if an entry is NaN.

    From ``amax`` and ``amin``, which read ``t`` without allocating anything its size: ``t.abs()``
    would, and on the CPU a fresh model-sized buffer costs more than the reduction itself.

    >>> largest_magnitude(torch.tensor([[1.0, -3.0], [2.0, 0.5]]))
    tensor(3.)
    """
    if dims is None:
        return torch.maximum(t.amax(), -t.amin())
    return torch.maximum(t.amax(dim=dims, keepdim=True), -t.amin(dim=dims, keepdim=True))


def all_finite(t: torch.Tensor) -> torch.Tensor:
    """Whether every entry of ``t`` is finite, as a 0-d boolean tensor on its device (no host read).

    >>> bool(all_finite(torch.tensor([1.0, float("inf")]))), bool(all_finite(torch.zeros(0)))
    (False, True)
    """
    if type(t) is not torch.Tensor:  # a DTensor (whose local shard may be empty) or another subclass
        return torch.isfinite(t).all()
    if t.numel() == 0:
        return torch.ones((), dtype=torch.bool, device=t.device)
    return torch.isfinite(largest_magnitude(t))


def _unit_max(M: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``M`` times an exact power of two per matrix, so its largest entry lies in ``[1/2, 1)``.

    Returns the rescaled matrices (zero stays zero) and a boolean of shape ``M.shape[:-2]``
    that marks the matrices with only finite entries. The factor ``2^-e`` is applied in two
    halves, each a normal number in every dtype, so subnormal and huge inputs are exact.
    """
    wide = torch.float64 if M.dtype == torch.float64 else torch.float32
    amax = largest_magnitude(M, dims=(-2, -1))
    finite = torch.isfinite(amax)
    _, e = torch.frexp(amax.to(wide))
    e = torch.where(finite, -e, 0)
    half = torch.div(e, 2, rounding_mode="floor")
    scaled = (M * _pow2(half, wide).to(M.dtype)).mul_(_pow2(e - half, wide).to(M.dtype))
    return scaled, finite[..., 0, 0]
