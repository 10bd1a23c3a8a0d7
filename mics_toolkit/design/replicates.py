"""Replicate weight factors of a sample design: bootstrap, jackknife and balanced repeated
replication (BRR and Fay), as R survey 4.1-1's ``as.svrepdesign`` builds them.

Every replicate method here reweights whole PSUs: the weight of row i in replicate r is
``w_ir = F[r, p(i)] * w_i``, where ``p(i)`` is the row's PSU and ``F`` is an (R, P) matrix of
PSU-level factors. The functions of this module return ``F`` (with the variance constants
``scale`` and ``rscales`` of R's ``svrVar``) and never touch the rows, so that estimation can
work on PSU-level totals (``F @ totals``) and the index bootstrap can reuse the same factors.

* ``bootstrap``: Rao-Wu rescaling bootstrap with ``n_h - 1`` PSUs drawn with replacement in
  each stratum (R ``type="subbootstrap"``): ``F = n_h / (n_h - 1) * count``; ``scale = 1/(R-1)``.
* ``jk1``: delete-one jackknife of an unstratified design: ``F = n/(n-1)`` except 0 for the
  deleted PSU; ``scale = (1 - f) (n - 1)/n``.
* ``jkn``: stratified delete-one jackknife: one replicate per PSU, the other PSUs of its stratum
  get ``n_h/(n_h - 1)``, other strata 1; ``rscales = (1 - f_h)(n_h - 1)/n_h``.
* ``brr`` and ``fay``: half-samples from the rows of a Hadamard matrix, two PSUs per stratum;
  factors ``2 - rho`` and ``rho`` (``rho = 0`` for BRR); ``scale = 1/(R (1 - rho)^2)``.

Hadamard matrices are built by Sylvester's doubling and Paley's constructions, in the orders
R survey's ``hadamard()`` uses, so a design gets as many BRR replicates as in R.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mics_toolkit.design.checks import describe_codes
from mics_toolkit.design.design import Design
from mics_toolkit.errors import DesignError, MicsWarning, OptionError, check_option

__all__ = [
    "REPLICATE_METHODS",
    "ReplicateFactors",
    "ReplicateMethod",
    "bootstrap_factors",
    "brr_factors",
    "check_fay_rho",
    "hadamard",
    "is_number",
    "jackknife_factors",
    "rao_wu_factors",
    "replicate_factors",
]

ReplicateMethod = Literal["bootstrap", "jk1", "jkn", "brr", "fay"]
REPLICATE_METHODS: tuple[str, ...] = ("bootstrap", "jk1", "jkn", "brr", "fay")

#: Number of bootstrap replicates when none is given.
DEFAULT_BOOTSTRAP_REPLICATES = 500


@dataclass(frozen=True, eq=False)
class ReplicateFactors:
    """PSU-level replicate factors and the constants of the replicate variance.

    The variance of a statistic with full-sample value ``t`` and replicate values ``t_r`` is
    ``V = scale * sum_r rscales[r] * (t_r - centre)^2`` (R's ``svrVar``).

    Attributes
    ----------
    method : str
        ``"bootstrap"``, ``"jk1"``, ``"jkn"``, ``"brr"`` or ``"fay"``.
    factors : numpy.ndarray, shape (R, P)
        Factor of each PSU (columns, in the design's PSU code order) in each replicate (rows).
    scale : float
    rscales : numpy.ndarray, shape (R,)
    fay_rho : float or None
        Fay's coefficient (0 for BRR, None for the other methods).
    seed : object
        The seed the bootstrap was drawn with (None for deterministic methods).
    """

    method: str
    factors: np.ndarray
    scale: float
    rscales: np.ndarray
    fay_rho: float | None = None
    seed: object = None

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return self.factors.shape[0]


def replicate_factors(
    design: Design,
    method: str,
    replicates: int | None = None,
    seed=None,
    fay_rho: float | None = None,
) -> ReplicateFactors:
    """Replicate factors of ``design`` by ``method``, with the arguments checked.

    Parameters
    ----------
    design : Design
    method : {"bootstrap", "jk1", "jkn", "brr", "fay"}
    replicates : int, optional
        Number of bootstrap replicates (default 500); the other methods fix their number of
        replicates from the design and accept only None.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap draws; None draws fresh randomness (results then change from
        run to run). Only for ``"bootstrap"``.
    fay_rho : float, optional
        Fay's coefficient, ``0 < fay_rho < 1``; required for ``"fay"`` and only for it.

    Returns
    -------
    ReplicateFactors

    Raises
    ------
    OptionError
        An unknown method, or an argument the method does not use.
    DesignError
        The method does not fit the design (see the method's function).

    Warns
    -----
    MicsWarning
        The design has an fpc, which bootstrap, BRR and Fay do not use (as R, which drops it).
    """
    check_option("method", method, REPLICATE_METHODS)
    if method != "bootstrap":
        for name, value in (("replicates", replicates), ("seed", seed)):
            if value is not None:
                raise OptionError(
                    f"{name}={value!r} does not apply to method={method!r}: its replicates are "
                    "fixed by the design; pass it only with method='bootstrap'",
                    option=name,
                    value=value,
                    valid=(),
                )
    check_fay_rho(method, fay_rho)
    if method in ("bootstrap", "brr", "fay") and design.fpc is not None:
        warnings.warn(
            f"the finite population correction {design.fpc!r} is not used by method="
            f"{method!r} (R's as.svrepdesign drops it too); use 'jk1' or 'jkn' to keep it",
            MicsWarning,
            stacklevel=4,
        )
    if method == "bootstrap":
        if replicates is None:
            replicates = DEFAULT_BOOTSTRAP_REPLICATES
        factors = bootstrap_factors(design, replicates, seed)
        n = factors.shape[0]
        return ReplicateFactors("bootstrap", factors, 1.0 / (n - 1), np.ones(n), None, seed)
    if method in ("jk1", "jkn"):
        return jackknife_factors(design, method)
    return brr_factors(design, fay_rho=0.0 if method == "brr" else float(fay_rho))


def is_number(value) -> bool:
    """Whether ``value`` is a real number (bool is not)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_fay_rho(method: str, fay_rho) -> None:
    """``fay_rho`` must be given, strictly between 0 and 1, for ``method="fay"`` and only for
    it (OptionError otherwise)."""
    if method == "fay":
        if fay_rho is None or not is_number(fay_rho) or not 0 < fay_rho < 1:
            raise OptionError(
                f"method='fay' needs fay_rho strictly between 0 and 1 (e.g. 0.5), not "
                f"{fay_rho!r}; for fay_rho=0 use method='brr'",
                option="fay_rho",
                value=fay_rho,
                valid=(),
            )
    elif fay_rho is not None:
        raise OptionError(
            f"fay_rho={fay_rho!r} applies only to method='fay'",
            option="fay_rho",
            value=fay_rho,
            valid=(),
        )


# --------------------------------------------------------------------------------- bootstrap
def bootstrap_factors(design: Design, replicates: int, seed=None) -> np.ndarray:
    """Rao-Wu rescaling bootstrap factors of the PSUs, shape (replicates, P).

    Parameters
    ----------
    design : Design
    replicates : int
        Number of replicates R (at least 2).
    seed : int or numpy.random.Generator, optional
        Seed of ``numpy.random.default_rng``; None draws fresh randomness.

    Returns
    -------
    numpy.ndarray, shape (R, P)
        ``F[r, p] = n_h / (n_h - 1) * m_rp``, where ``m_rp`` is the number of times PSU p of
        stratum h is drawn when ``n_h - 1`` PSUs are drawn with replacement from the ``n_h`` of
        its stratum, independently in each stratum and replicate. ``E[F] = 1``.

    Raises
    ------
    OptionError
        ``replicates`` is not an integer of at least 2.
    DesignError
        A stratum has a single PSU and ``design.lonely_psu`` is ``"adjust"`` or ``"average"``
        (there is no bootstrap analogue); with ``"remove"`` or ``"certainty"`` its PSU keeps
        factor 1 and contributes nothing to the variance.

    Notes
    -----
    This is R survey's ``as.svrepdesign(type="subbootstrap")`` (``subbootweights``), whose
    variance uses ``scale = 1 / (R - 1)`` and ``rscales = 1``: with ``m_h = n_h - 1`` the
    bootstrap variance of a linear statistic has expectation equal to the with-replacement
    linearisation variance. R draws with its own generator, so the factors differ from R's;
    their distribution is the same. Any fpc is ignored, as in R.

    References
    ----------
    Rao, J. N. K. and Wu, C. F. J. (1988). Resampling inference with complex survey data.
    Journal of the American Statistical Association 83, 231-241.
    """
    if not isinstance(replicates, (int, np.integer)) or isinstance(replicates, bool) or (
        replicates < 2
    ):
        raise OptionError(
            f"replicates={replicates!r} is not valid; give an integer of at least 2 "
            "(500 or more for stable standard errors)",
            option="replicates",
            value=replicates,
            valid=(),
        )
    replicates = int(replicates)
    n_h = design.n_psu
    lonely = np.flatnonzero(n_h == 1)
    if lonely.size and design.lonely_psu not in ("remove", "certainty"):
        codes = design.stratum_values[lonely].tolist()
        raise DesignError(
            f"{lonely.size} strata have a single PSU ({describe_codes(codes)}): the bootstrap "
            f"cannot resample them under lonely_psu={design.lonely_psu!r}. Use "
            "lonely_psu='remove' or 'certainty' (their PSUs keep factor 1), or a jackknife.",
            codes=codes,
        )
    return rao_wu_factors(design.psu_stratum, replicates, np.random.default_rng(seed),
                          n_strata=design.n_strata)


def rao_wu_factors(
    psu_stratum: np.ndarray,
    replicates: int,
    rng: np.random.Generator,
    *,
    n_strata: int | None = None,
    fpc_factor: np.ndarray | None = None,
) -> np.ndarray:
    """Rao-Wu rescaling bootstrap factors of PSUs given by their strata, shape (replicates, P).

    The one generator of bootstrap factors: :func:`bootstrap_factors` (replicate designs)
    and the index bootstrap (PSU totals put together from several files of one survey) both
    draw with it.

    Parameters
    ----------
    psu_stratum : numpy.ndarray of int, shape (P,)
        Stratum code (``0 .. H - 1``) of each PSU.
    replicates : int
        Number of replicates R.
    rng : numpy.random.Generator
        Drawn from once: ``rng.integers`` of shape (R, sum_h (n_h - 1)).
    n_strata : int, optional
        H (default: the largest code + 1).
    fpc_factor : numpy.ndarray, shape (H,), optional
        ``1 - f_h`` per stratum; None for sampling with replacement.

    Returns
    -------
    numpy.ndarray, shape (R, P)
        ``F[r, p] = 1 - lambda_h + lambda_h * n_h / (n_h - 1) * m_rp``, where ``m_rp`` counts
        the draws of PSU p when ``n_h - 1`` PSUs are drawn with replacement from the ``n_h``
        of its stratum (independently in each stratum and replicate), and
        ``lambda_h = sqrt(1 - f_h)`` (1 without fpc, so ``F = n_h / (n_h - 1) * m_rp``, R's
        ``subbootweights``). PSUs of single-PSU strata get factor 1 (they contribute
        nothing). ``E[F] = 1``.
    """
    psu_stratum = np.asarray(psu_stratum, dtype=np.intp)
    n_psu = psu_stratum.size
    if n_strata is None:
        n_strata = int(psu_stratum.max()) + 1 if n_psu else 0
    n_h = np.bincount(psu_stratum, minlength=n_strata)
    by_stratum = np.argsort(psu_stratum, kind="stable")  # PSU codes grouped by stratum
    start = np.concatenate([[0], np.cumsum(n_h)[:-1]])
    drawn = np.flatnonzero(n_h >= 2)
    draw_stratum = np.repeat(drawn, n_h[drawn] - 1)
    counts = np.zeros(replicates * n_psu)
    if draw_stratum.size:
        local = rng.integers(0, n_h[draw_stratum], size=(replicates, draw_stratum.size))
        psu = by_stratum[start[draw_stratum] + local]
        key = (np.arange(replicates)[:, None] * n_psu + psu).ravel()
        counts = np.bincount(key, minlength=replicates * n_psu).astype(np.float64)
    counts = counts.reshape(replicates, n_psu)
    n_of_psu = n_h[psu_stratum].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rescale = np.where(n_of_psu >= 2, n_of_psu / (n_of_psu - 1), 0.0)
    if fpc_factor is None:
        factors = counts * rescale
    else:
        lam = np.sqrt(np.clip(np.asarray(fpc_factor, dtype=np.float64), 0.0, 1.0))[psu_stratum]
        factors = 1.0 - lam + lam * rescale * counts
    factors[:, n_of_psu < 2] = 1.0
    return factors


# --------------------------------------------------------------------------------- jackknife
def jackknife_factors(design: Design, method: Literal["jk1", "jkn"] = "jkn") -> ReplicateFactors:
    """Delete-one-PSU jackknife factors (R's ``jk1weights`` and ``jknweights``).

    Parameters
    ----------
    design : Design
    method : {"jk1", "jkn"}
        ``"jk1"`` for an unstratified design (R refuses JK1 with strata), ``"jkn"`` for a
        stratified one.

    Returns
    -------
    ReplicateFactors
        ``"jk1"``: P replicates, replicate r deletes PSU r (factor 0) and multiplies the others
        by ``n/(n-1)``; ``scale = (1 - f)(n - 1)/n``, ``rscales = 1``.
        ``"jkn"``: one replicate per PSU of each stratum, in stratum order; replicate r of
        stratum h gives 0 to its PSU, ``n_h/(n_h - 1)`` to the other PSUs of h and 1 elsewhere;
        ``rscales[r] = (1 - f_h)(n_h - 1)/n_h``, ``scale = 1``.

    Raises
    ------
    DesignError
        ``"jk1"`` with strata, ``"jkn"`` without, fewer than two PSUs, or every stratum
        sampled exhaustively (fpc with ``f = 1``).

    Notes
    -----
    As R survey 4.1-1 (``survey.drop.replicates = TRUE``): a stratum with ``1 - f_h == 0``
    gets no replicate. A stratum with a single PSU follows ``design.lonely_psu``:
    ``"remove"``, ``"certainty"`` and ``"average"`` give it no replicate, and ``"average"``
    multiplies ``scale`` by P / R (PSUs over replicates, R's formula); ``"adjust"`` gives it
    one replicate with factor 0 for its PSU and ``H/(H - 1)`` for every PSU of the other
    strata (H strata), with ``rscales = (H - 1)/H``.
    """
    n_psu = design.n_psu_total
    fpc = design.fpc_factor
    if method == "jk1":
        if design.strata is not None:
            raise DesignError(
                f"method='jk1' is for unstratified designs, and this design has strata "
                f"{design.strata!r}; use method='jkn' (R: \"Can't use JK1 for a stratified "
                "design\")",
                codes=[],
            )
        if n_psu < 2:
            raise DesignError("the jackknife needs at least two PSUs", codes=[])
        if fpc[0] == 0:
            raise DesignError(
                "every PSU of the population is in the sample (fpc with f = 1): the "
                "jackknife variance is zero and R builds no replicates",
                codes=[],
            )
        factors = np.full((n_psu, n_psu), n_psu / (n_psu - 1))
        np.fill_diagonal(factors, 0.0)
        scale = float(fpc[0] * (n_psu - 1) / n_psu)
        return ReplicateFactors("jk1", factors, scale, np.ones(n_psu))
    if method != "jkn":
        raise OptionError(
            f"method={method!r} is not a jackknife; use 'jk1' or 'jkn'",
            option="method",
            value=method,
            valid=("jk1", "jkn"),
        )
    if design.strata is None:
        raise DesignError(
            "method='jkn' needs a stratified design; use method='jk1' or 'bootstrap' for an "
            "unstratified one (as R)",
            codes=[],
        )
    n_strata = design.n_strata
    rule = design.lonely_psu
    rows: list[np.ndarray] = []
    rscales: list[float] = []
    for h in range(n_strata):
        members = np.flatnonzero(design.psu_stratum == h)
        size = members.size
        if fpc[h] == 0:
            continue  # exhaustively sampled: no replicate (R's survey.drop.replicates)
        if size == 1:
            if rule == "adjust":
                row = np.full(n_psu, n_strata / (n_strata - 1) if n_strata > 1 else 0.0)
                row[design.psu_stratum == h] = 0.0
                rows.append(row[None, :])
                rscales.append((n_strata - 1) / n_strata)
            elif rule == "fail":
                code = design.stratum_values[h]
                raise DesignError(f"stratum {code} has only one PSU", codes=[code])
            continue
        block = np.ones((size, n_psu))
        block[:, members] = size / (size - 1)
        block[np.arange(size), members] = 0.0
        rows.append(block)
        rscales.extend([float(fpc[h] * (size - 1) / size)] * size)
    if not rows:
        raise DesignError(
            "no stratum gives a jackknife replicate: every stratum is sampled exhaustively "
            "(fpc with f = 1) or has a single PSU",
            codes=[],
        )
    factors = np.vstack(rows)
    n_replicates = factors.shape[0]
    scale = 1.0
    if n_replicates < n_psu and rule == "average":
        scale = n_psu / n_replicates
    return ReplicateFactors("jkn", factors, scale, np.asarray(rscales, dtype=float))


# --------------------------------------------------------------------------------------- BRR
def brr_factors(design: Design, fay_rho: float = 0.0) -> ReplicateFactors:
    """Balanced repeated replication factors (Fay's variant when ``fay_rho > 0``).

    Parameters
    ----------
    design : Design
        A stratified design with exactly two PSUs in every stratum.
    fay_rho : float
        Fay's coefficient ``0 <= rho < 1``; 0 gives BRR's half-samples.

    Returns
    -------
    ReplicateFactors
        ``R`` = the order of :func:`hadamard` for the number of strata H. Stratum h (in sorted
        order) uses row ``h + 1`` of the normalised Hadamard matrix ``A`` (row 0 is all ones):
        in replicate r the first PSU of the stratum (lower PSU code) gets ``2 - rho`` and the
        second ``rho`` when ``A[h + 1, r] = 1``, the reverse when it is -1.
        ``scale = 1 / (R (1 - rho)^2)``, ``rscales = 1``.

    Raises
    ------
    DesignError
        The design has no strata, or strata without exactly two PSUs (named in the message and
        in ``codes``).

    Notes
    -----
    R survey's ``as.svrepdesign(type="BRR"/"Fay")`` with ``brrweights(small="fail",
    large="fail")`` semantics. The rows of any Hadamard matrix of the same order give the same
    variance for totals; for non-linear statistics R's matrix (and so its estimates) can
    differ slightly from these. An fpc is not used.

    References
    ----------
    McCarthy, P. J. (1969). Pseudo-replication: half samples. Review of the International
    Statistical Institute 37, 239-264. Judkins, D. R. (1990). Fay's method for variance
    estimation. Journal of Official Statistics 6, 223-239.
    """
    if design.strata is None:
        raise DesignError(
            "BRR and Fay need a stratified design with two PSUs per stratum; use method="
            "'jk1' or 'bootstrap' for an unstratified one",
            codes=[],
        )
    wrong = np.flatnonzero(design.n_psu != 2)
    if wrong.size:
        codes = design.stratum_values[wrong].tolist()
        counts = ", ".join(
            f"{design.stratum_values[h]} ({design.n_psu[h]} PSUs)" for h in wrong[:10]
        )
        more = f" ... ({wrong.size - 10} more)" if wrong.size > 10 else ""
        raise DesignError(
            f"BRR and Fay need exactly two PSUs in every stratum of {design.strata!r}; "
            f"{wrong.size} strata do not: {counts}{more}. Pair or merge PSUs into variance "
            "strata of two, or use method='jkn' or 'bootstrap'.",
            codes=codes,
        )
    n_strata = design.n_strata
    matrix = hadamard(n_strata)
    n_replicates = matrix.shape[1]
    order = np.argsort(design.psu_stratum, kind="stable")
    first = order[0::2]  # lower PSU code of each stratum, strata in order
    second = order[1::2]
    signs = matrix[1 : n_strata + 1, :]  # (H, R)
    high, low = 2.0 - fay_rho, fay_rho
    factors = np.empty((n_replicates, design.n_psu_total))
    factors[:, first] = np.where(signs > 0, high, low).T
    factors[:, second] = np.where(signs > 0, low, high).T
    scale = 1.0 / (n_replicates * (1.0 - fay_rho) ** 2)
    method = "brr" if fay_rho == 0 else "fay"
    rho = 0.0 if fay_rho == 0 else float(fay_rho)
    return ReplicateFactors(method, factors, scale, np.ones(n_replicates), rho)


# -------------------------------------------------------------------------------- Hadamard
def hadamard(n: int) -> np.ndarray:
    """A normalised Hadamard matrix of the smallest order R survey's ``hadamard(n)`` gives.

    Parameters
    ----------
    n : int
        Number of strata (rows needed besides the row of ones); ``n >= 0``.

    Returns
    -------
    numpy.ndarray of int, shape (m, m)
        Entries +1 and -1, ``A @ A.T == m * I``, first row and first column all +1, where m is
        the smallest multiple of 4 greater than n among the orders R's ``hadamard()`` builds:
        powers of 2 (Sylvester), ``p + 1`` for a prime ``p = 3 (mod 4)`` (Paley I), 28 and 36
        (Paley II), and doublings of these. The order equals R's for every n below 200
        (checked against R in the golden tests); up to 100 strata it is the next multiple of
        4 except where that is 52, 76, 92 or 100 (R then takes 56, 80, 96 and 104).

    References
    ----------
    Paley, R. E. A. C. (1933). On orthogonal matrices. Journal of Mathematics and Physics 12,
    311-320.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise OptionError(f"n must be a non-negative integer, not {n!r}", option="n", value=n,
                          valid=())
    order = 4 * (int(n) // 4 + 1)
    while _recipe(order) is None:
        order += 4
    matrix = _build(order)
    matrix = matrix * matrix[0, :][None, :]
    matrix = matrix * matrix[:, 0][:, None]
    return matrix.astype(np.int64)


def _recipe(order: int) -> str | None:
    """How to build a Hadamard matrix of ``order`` (R's set of orders), or None."""
    if order < 4 or order % 4:
        return None
    if order & (order - 1) == 0:
        return "sylvester"
    if _is_prime(order - 1) and (order - 1) % 4 == 3:
        return "paley1"
    if order in (28, 36):
        return "paley2"
    if order % 8 == 0 and _recipe(order // 2) is not None:
        return "double"
    return None


def _build(order: int) -> np.ndarray:
    recipe = _recipe(order)
    if recipe == "sylvester":
        matrix = np.ones((1, 1), dtype=np.int64)
        while matrix.shape[0] < order:
            matrix = np.block([[matrix, matrix], [matrix, -matrix]])
        return matrix
    if recipe == "double":
        half = _build(order // 2)
        return np.block([[half, half], [half, -half]])
    if recipe == "paley1":
        q = order - 1
        jacobsthal = _jacobsthal(q)
        core = np.zeros((order, order), dtype=np.int64)
        core[0, 1:] = 1
        core[1:, 0] = -1
        core[1:, 1:] = jacobsthal
        return core + np.eye(order, dtype=np.int64)
    if recipe == "paley2":
        q = order // 2 - 1
        conference = np.zeros((q + 1, q + 1), dtype=np.int64)
        conference[0, 1:] = 1
        conference[1:, 0] = 1
        conference[1:, 1:] = _jacobsthal(q)
        plus = np.array([[1, 1], [1, -1]], dtype=np.int64)
        zero = np.array([[1, -1], [-1, -1]], dtype=np.int64)
        return np.kron(conference, plus) + np.kron(np.eye(q + 1, dtype=np.int64), zero)
    raise ValueError(f"no Hadamard construction for order {order}")


def _jacobsthal(q: int) -> np.ndarray:
    """``Q[i, j] = chi(j - i)``, the quadratic character modulo the prime q (chi(0) = 0)."""
    residues = np.zeros(q, dtype=np.int64)
    residues[(np.arange(1, q) ** 2) % q] = 1
    chi = np.where(residues == 1, 1, -1)
    chi[0] = 0
    index = np.arange(q)
    return chi[(index[None, :] - index[:, None]) % q]


def _is_prime(value: int) -> bool:
    if value < 2:
        return False
    divisor = 2
    while divisor * divisor <= value:
        if value % divisor == 0:
            return False
        divisor += 1
    return True
