"""Small-sample-robust inference for the impact fits (estimator.py has the design and why).

The fit is a weighted least-squares regression of long differences on one treatment column per
event time with cell fixed effects (a cell: stratum x cohort x event time), clustered by firm.
Its hat matrix is H = U U'W over W-orthonormal columns: 1[cell c] / sqrt(W_c) for the fixed
effects (W_c the cell's weight) and x / sqrt(curvature_e) for the demeaned treatment column
x = +-1/2 of event time e. A firm has at most one row per cell, so its blocks of H and of
U'W^2 U stay within an event time and are a few numbers per row: no N x N matrix is formed.

CR2 (Bell and McCaffrey 2002, in the general form of Pustejovsky and Tipton 2018): each
firm's residuals are multiplied by A_g = B_g^(-1/2), B_g = [(I - H)(I - H)']_gg, before the
sandwich. The working model is Var(e) = I, homoskedastic firm-years *without* the weights:
the weights here correct cohort sizes, they are not inverse variances, and with the weights
as inverse variances CR2 still covered only 0.91 in small cells. Under the working model the
CR2 variance is unbiased. Degrees of freedom (Bell-McCaffrey, Satterthwaite; Imbens and
Kolesar 2016) match its first two moments under the working model to a scaled chi-square: for
a coefficient, (tr G)^2 / tr(G^2) with G[g, h] = z_g' [(I - H)(I - H)']_gh z_h and
z_g = A_g W_g x_g / curvature. G = D + R C R' with D diagonal and R sparse (firms x columns of
U), so the traces need only sparse products. The joint pre-trend test is Pustejovsky and
Tipton's approximate Hotelling T^2 ("HTZ") on the same quantities.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

BATCH_SLOTS = 100_000  # slots per batch of eigendecompositions: bounds the blocks' memory


@dataclass(frozen=True)
class Sandwich:
    """Per scope: the CR2 covariance of the event-time coefficients (scopes x columns x
    columns), and the working-model moments of the CR2 variance behind the degrees of freedom:
    trace[s, a] = tr G_aa (its expectation), trace_product[s, a, b] = tr(G_aa G_bb)."""

    covariance: np.ndarray
    trace: np.ndarray
    trace_product: np.ndarray

    def degrees_of_freedom(self) -> np.ndarray:
        """Bell-McCaffrey degrees of freedom of each coefficient (scopes x columns)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.trace**2 / np.diagonal(self.trace_product, axis1=1, axis2=2)

    def joint_p_value(self, scope: int, columns: np.ndarray, coefficients: np.ndarray) -> float:
        """p-value of the approximate Hotelling T^2 test that `coefficients` (of `columns`) are
        all 0. Under the working model the coefficients' variance estimates are uncorrelated
        across event times (no row is in two), so the test's Omega is diagonal and its
        Wishart degrees of freedom are eta = q(q + 1) / sum_ab Var(V_ab / sqrt(O_aa O_bb))."""
        q = len(columns)
        covariance = self.covariance[scope][np.ix_(columns, columns)]
        if np.linalg.matrix_rank(covariance) < q:
            return np.nan  # no variation to test
        omega = self.trace[scope, columns]
        products = self.trace_product[scope][np.ix_(columns, columns)]
        variances = products * (1 + np.eye(q)) / np.outer(omega, omega)
        eta = q * (q + 1) / variances.sum()
        hotelling = coefficients @ np.linalg.solve(covariance, coefficients)
        return float(stats.f.sf((eta - q + 1) / (eta * q) * hotelling, q, eta - q + 1))


def _per_scope_cross(
    scope_of: np.ndarray, left: np.ndarray, right: np.ndarray, n_scopes: int
) -> np.ndarray:
    """sum over the firms of each scope of left[g, a] * right[g, b]: scopes x a x b
    (bincounts: a firm x scope indicator would not fit at EU scale)."""
    out = np.empty((n_scopes, left.shape[1], right.shape[1]))
    for a in range(left.shape[1]):
        for b in range(right.shape[1]):
            out[:, a, b] = np.bincount(scope_of, left[:, a] * right[:, b], minlength=n_scopes)
    return out


def _scope_pairs(
    left: np.ndarray, right: np.ndarray, values: np.ndarray, n_scopes: int, n_columns: int
) -> np.ndarray:
    """The sums of `values` by pair of scope-columns (left, right) of one scope, as scopes x
    columns x columns (no firm is in two scopes, so no pair straddles two)."""
    return np.bincount(
        left * n_columns + right % n_columns, values, minlength=n_scopes * n_columns**2
    ).reshape(n_scopes, n_columns, n_columns)


def _per_scope_pairs(pairs: sparse.csr_matrix, n_scopes: int, n_columns: int) -> np.ndarray:
    """scopes x columns x columns from a matrix by pairs of scope-columns (only pairs within
    one scope can be non-zero: no firm is in two scopes)."""
    entries = pairs.tocoo()
    within = entries.row // n_columns == entries.col // n_columns
    index = entries.row[within] * n_columns + entries.col[within] % n_columns
    return np.bincount(index, entries.data[within], minlength=n_scopes * n_columns**2).reshape(
        n_scopes, n_columns, n_columns
    )


def _compact(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct non-negative `values` in order, and each value's index among them: what
    np.unique returns, by a lookup table instead of a sort."""
    present = np.zeros(int(values.max(initial=-1)) + 1, dtype=bool)
    present[values] = True
    return np.flatnonzero(present), (np.cumsum(present) - 1)[values]


def _distinct_rows(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """The first occurrence of each distinct row of `values` (non-negative, below `bound`) in
    the rows' lexicographic order, and each row's index among them: np.unique(axis=0)'s
    return_index and return_inverse, from the rows packed into as few int64 words as hold
    them (np.unique sorts the rows as opaque bytes, several times slower)."""
    bits = max(bound - 1, 1).bit_length()
    per_word = 63 // bits
    words = []
    for at in range(0, values.shape[1], per_word):
        word = np.zeros(len(values), dtype=np.int64)
        for column in values[:, at : at + per_word].T:
            word = (word << bits) | column
        words.append(word)
    order = np.lexsort(words[::-1])  # stable: a group's first row is its first occurrence
    new = np.zeros(len(values), dtype=bool)
    new[:1] = True
    for word in words:
        ordered = word[order]
        new[1:] |= ordered[1:] != ordered[:-1]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return order[new], inverse


def _inverse_root_times(
    diagonal: np.ndarray,
    u: np.ndarray,
    b: np.ndarray,
    vector: np.ndarray,
    cell: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
) -> np.ndarray:
    """B^(-1/2) v on each slot's rows (row arrays; the slot's rows are order[start:start +
    size], by cell), B = diag(diagonal) + u b' + b u' over the slot's rows, every entry of B
    and v a function of the row's cell. So slots in the same cells (comparison firms of one stratum
    seen in the same years) share their result, and each distinct set of cells gets one
    eigendecomposition (the cost of CR2 at scale): in batches of one size and at most
    BATCH_SLOTS, on every core (numpy releases the GIL in them). A singular block (a firm
    alone in its cells) gets a Moore-Penrose inverse, as clubSandwich does."""
    out = np.zeros_like(vector)
    single = order[starts[sizes == 1]]  # a number (every treated firm): no eigendecomposition
    value = diagonal[single] + 2 * u[single] * b[single]
    regular = value > 1e-12
    out[single[regular]] = vector[single[regular]] / np.sqrt(value[regular])

    def solve(rows: np.ndarray, roots: np.ndarray) -> None:
        block = u[rows][:, :, None] * b[rows][:, None, :]
        block += np.swapaxes(block, 1, 2)
        block[:, np.arange(rows.shape[1]), np.arange(rows.shape[1])] += diagonal[rows]
        values, eigenvectors = np.linalg.eigh(block)
        inverse_root = np.zeros_like(values)
        regular = values > 1e-12
        inverse_root[regular] = values[regular] ** -0.5
        projected = np.matmul(vector[rows][:, None, :], eigenvectors)[:, 0]  # V'v
        roots[:] = np.matmul(eigenvectors, (inverse_root * projected)[:, :, None])[:, :, 0]

    shared, batches = [], []
    bound = int(cell.max(initial=0)) + 1
    for size in np.unique(sizes[sizes > 1]):
        rows = order[starts[sizes == size][:, None] + np.arange(size)]
        first, inverse = _distinct_rows(cell[rows], bound)
        roots = np.empty((len(first), size))
        shared.append((rows, roots, inverse))
        batches += [
            (rows[first[at : at + BATCH_SLOTS]], roots[at : at + BATCH_SLOTS])
            for at in range(0, len(first), BATCH_SLOTS)
        ]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        list(pool.map(lambda batch: solve(*batch), batches))  # each fills its own roots
    for rows, roots, inverse in shared:
        out[rows] = roots[inverse]
    return out


def cr2_sandwich(
    firm: np.ndarray,
    scope_of_firm: np.ndarray,
    column: np.ndarray,
    cell: np.ndarray,
    weight: np.ndarray,
    treatment: np.ndarray,
    score: np.ndarray,
    curvature: np.ndarray,
) -> Sandwich:
    """CR2 sandwich of the rows of the estimable scope-columns. Row arrays: `firm` (index into
    `scope_of_firm`), `column` (event-time column), `cell` (any integer naming the cell),
    `weight`, `treatment` (the demeaned dummy, +-1/2) and `score` (w x residual x treatment,
    the row's term of the unadjusted sandwich); `curvature` is sum w x^2 per scope and column.
    A firm's rows all lie in its scope."""
    n_scopes, n_columns = curvature.shape
    firms, firm_row = _compact(firm)
    scope_of = scope_of_firm[firms]
    key = scope_of[firm_row] * n_columns + column
    cells, cell_index = _compact(cell)
    n_cells, n_keys = len(cells), n_scopes * n_columns
    cell_weight = np.bincount(cell_index, weight)
    cell_key = np.zeros(n_cells, dtype=np.int64)
    cell_key[cell_index] = key
    # The row's entries in the W-orthonormal basis of the fit: a on its cell, b on its
    # treatment column. H = U U'W, and Q = U'W^2 U couples a cell only with itself and its
    # treatment column.
    a = 1 / np.sqrt(cell_weight[cell_index])
    b = treatment / np.sqrt(curvature.ravel()[key])
    q_cell = np.bincount(cell_index, weight**2, minlength=n_cells) / cell_weight
    r_cell = np.bincount(cell_index, weight**2 * treatment, minlength=n_cells) / np.sqrt(
        cell_weight * curvature.ravel()[cell_key]
    )
    t_key = np.bincount(key, weight**2 * treatment**2, minlength=n_keys) / curvature.ravel()

    # One slot per firm and column: its rows, in `order` from `starts`, by cell within the
    # slot (rows come nearly in that order: a stable sort is fastest).
    code = firm_row * n_columns + column
    order = np.argsort(code * n_cells + cell_index, kind="stable")
    first = np.diff(code[order], prepend=-1) != 0  # a slot's first row, in order
    slots, starts = code[order][first], np.flatnonzero(first)
    del code  # row arrays go as soon as they are spent: the products below set the peak
    slot = np.empty(len(order), dtype=np.int64)
    slot[order] = np.cumsum(first) - 1
    slot_key = np.zeros(len(slots), dtype=np.int64)
    slot_key[slot] = key

    def per_slot(values: np.ndarray) -> np.ndarray:
        return np.bincount(slot, values, minlength=len(slots))

    # B_g = [(I - H)(I - H)']_gg = I - H - H' + H H' on the firm's rows of one event time:
    # diagonal + u b' + b u', with u = a r - b w + b t / 2.
    adjusted_x = _inverse_root_times(  # A_g W_g x_g
        diagonal=1 - 2 * a**2 * weight + a**2 * q_cell[cell_index],
        u=a * r_cell[cell_index] - b * weight + b * t_key[key] / 2,
        b=b,
        vector=weight * treatment,
        cell=cell_index,
        order=order,
        starts=starts,
        sizes=np.bincount(slot),
    )
    z = adjusted_x / curvature.ravel()[key]
    del key

    def by_firm(values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(firms), n_columns))
        out[slots // n_columns, slots % n_columns] = values
        return out

    residual = score / (weight * treatment)  # score = w x e
    adjusted_score = by_firm(per_slot(adjusted_x * residual))
    del adjusted_x, residual
    meat = _per_scope_cross(scope_of, adjusted_score, adjusted_score, n_scopes)
    covariance = meat / (curvature[:, :, None] * curvature[:, None, :])

    # G = D + R C R' with D = diag(z_g'z_g), R = [Z'U, Z'WU] and C = [[Q, -I], [-I, 0]]:
    # (I - H)(I - H)' = I + U Q U' - U U'W - W U U'.
    s_cell, t_cell = z * a, z * weight * a
    s_key, t_key_entry = per_slot(b * z), per_slot(b * weight * z)
    plain = by_firm(per_slot(z**2))
    del z, a, b
    # The diagonal of R C R': s'Qs - 2 s.t per firm and column.
    quadratic = (
        np.bincount(
            slot,
            s_cell**2 * q_cell[cell_index]
            + 2 * s_cell * s_key[slot] * r_cell[cell_index]
            - 2 * s_cell * t_cell,
            minlength=len(slots),
        )
        + s_key**2 * t_key[slot_key]
        - 2 * s_key * t_key_entry
    )
    low_rank = by_firm(quadratic)
    trace = _per_scope_cross(scope_of, plain + low_rank, np.ones((len(firms), 1)), n_scopes)
    trace_product = (
        _per_scope_cross(scope_of, plain, plain, n_scopes)
        + _per_scope_cross(scope_of, plain, low_rank, n_scopes)
        + _per_scope_cross(scope_of, low_rank, plain, n_scopes)
    )

    # R itself (four entries a row) is never formed: its parts on the cells, S and T, are
    # built by firm straight from the rows' order, and every product with R's scope-column
    # parts goes through the thin [R E, R V] (one entry per slot each).
    n_firms = len(firms)
    treated_row = treatment > 0
    treated_firm = np.zeros(n_firms, dtype=bool)
    treated_firm[firm_row[treated_row]] = True
    cell_weight_of_comparison = np.zeros(n_cells)
    cell_weight_of_comparison[cell_index[~treated_row]] = weight[~treated_row]
    coupled = per_slot(s_cell * r_cell[cell_index])  # R V
    pointer = np.concatenate([[0], np.cumsum(np.bincount(firm_row, minlength=n_firms))])
    cell_of_entry = cell_index[order].astype(np.int32)  # shared by S and T
    s, t = (
        sparse.csr_matrix(
            (values[order], cell_of_entry, pointer.astype(np.int32)), shape=(n_firms, n_cells)
        )
        for values in (s_cell, t_cell)
    )
    del s_cell, t_cell, order, firm_row, cell_index, cell_of_entry, treated_row
    slot_firm = slots // n_columns
    by_slot = np.concatenate([[0], np.cumsum(3 * np.bincount(slot_firm, minlength=n_firms))])
    thin = sparse.csr_matrix(
        (
            np.stack([s_key, t_key_entry, coupled], axis=1).ravel(),
            (slot_key[:, None] + n_keys * np.arange(3)).ravel(),
            by_slot,
        ),
        shape=(n_firms, 3 * n_keys),
    )
    on_keys = (thin.T @ thin).tocsr()
    gram = sparse.vstack(  # P [E, V]: R's columns, in order, against [R E, R V]
        [s.T @ thin, on_keys[:n_keys], t.T @ thin, on_keys[n_keys : 2 * n_keys]], format="csr"
    )
    del t, thin
    half = n_cells + n_keys  # columns of U: the cells, then the scope-columns
    gram_keys, gram_v = gram[:, : 2 * n_keys], gram[:, 2 * n_keys :]  # P E, P V

    # C = D + V E' + E V': D holds Q's diagonal (q on the cells, t on the scope-columns) and
    # the -I blocks, V the couplings r between a cell and its scope-column (one column per
    # scope-column), E the scope-columns' unit vectors. C P itself is dense over a scope's
    # cells (a row of V E' P per cell), too large for the pooled scope at EU scale, so
    # tr(C P_ab C P_ba) is expanded: D's part entry by entry over P's own pattern, the rest
    # through the thin P V and P E.
    every = np.arange(half)
    d = sparse.csr_matrix(
        (
            np.concatenate([q_cell, t_key, -np.ones(2 * half)]),
            (
                np.concatenate([every, every, half + every]),
                np.concatenate([every, half + every, every]),
            ),
        ),
        shape=(2 * half, 2 * half),
    )
    v = sparse.csr_matrix((r_cell, (np.arange(n_cells), cell_key)), shape=(2 * half, n_keys))
    key_position = n_cells + np.arange(n_keys)
    keys = np.concatenate([key_position, half + key_position])  # both halves' scope-columns
    group = np.tile(np.concatenate([cell_key, np.arange(n_keys)]), 2)  # each column's key

    # D's part over the cells: P's cell blocks are g = S'S, h = S'T and k = T'T. A comparison
    # firm's T is its S times its cells' weight w, a treated firm's is its S, so with A and B
    # the products over treated and comparison firms alone: g = A + B, h = A + B W,
    # k = A + W B W. Only these two (a quarter of P's entries) are formed.
    w = sparse.diags(cell_weight_of_comparison)
    q = sparse.diags(q_cell)
    treated_s, comparison_s = s[treated_firm], s[~treated_firm]
    del s
    a_part, b_part = (treated_s.T @ treated_s).tocsr(), (comparison_s.T @ comparison_s).tocsr()
    g = a_part + b_part
    h, h_transposed, k = a_part + b_part @ w, a_part + w @ b_part, a_part + w @ b_part @ w
    # The blocks of (D P) o (P D): ss (q g - h')(g q - h), st -(q h - k) o g (and ts, its
    # transpose), tt h o h'.
    scopes = n_scopes, n_columns
    same = ((q @ g - h_transposed).multiply(g @ q - h) + h.multiply(h_transposed)).tocoo()
    across = (-(q @ h - k).multiply(g)).tocoo()
    cell_pairs = (
        _scope_pairs(cell_key[same.row], cell_key[same.col], same.data, *scopes)
        + _scope_pairs(cell_key[across.row], cell_key[across.col], across.data, *scopes)
        + _scope_pairs(cell_key[across.col], cell_key[across.row], across.data, *scopes)
    )
    # D's part with a scope-column on one side (or both): P's columns of the scope-columns.
    with_keys = (d @ gram_keys).multiply(gram_keys @ d[keys][:, keys]).tocoo()
    is_key = np.zeros(2 * half, dtype=bool)
    is_key[keys] = True
    from_cell = ~is_key[with_keys.row]
    key_pairs = _scope_pairs(
        group[with_keys.row], group[keys][with_keys.col], with_keys.data, *scopes
    ) + _scope_pairs(
        group[keys][with_keys.col[from_cell]],
        group[with_keys.row[from_cell]],
        with_keys.data[from_cell],
        *scopes,
    )
    # The couplings' part, through P V and P E.
    mixed = gram_keys[:, :n_keys].multiply(d @ gram_v).tocoo()  # (P E) o (D P V)
    mixed_sum = _scope_pairs(group[mixed.row], mixed.col, mixed.data, *scopes)
    at_keys = gram_v[key_position]  # e_a' P V
    cross = (
        cell_pairs
        + key_pairs
        + 2 * (mixed_sum + np.swapaxes(mixed_sum, 1, 2))
        + _per_scope_pairs(
            2 * at_keys.multiply(at_keys.T)
            + 2 * gram_keys[key_position][:, :n_keys].multiply(v.T @ gram_v),
            *scopes,
        )
    )
    return Sandwich(covariance, trace[:, :, 0], trace_product + cross)
