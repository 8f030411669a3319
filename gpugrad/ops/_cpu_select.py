"""Which of several equal elements PyTorch's CPU kernels pick, replayed on host lists: ``mode`` sorts
(value, index) pairs with libstdc++'s ``std::sort`` comparing values only (introsort: median-of-three
partitions, heapsort past the depth limit, a final insertion sort), ``kthvalue`` runs ATen's quickselect
(``quick_select_template`` in SortingUtils.h, NaN counted as the largest), ``sort(stable=False)`` runs std::sort
and ``topk`` std::partial_sort or std::nth_element (TopKImpl.h). None is stable, so the index they
return among ties is a product of the exact steps, which these functions repeat. Used only for the rows of a
CPU tensor where ties make the choice matter; everywhere else the vectorized stable sort gives the same index."""
from __future__ import annotations

import numpy as _np


_THRESHOLD = 16


def _less(a, b):
    return a[0] < b[0]


def less_nan_last(a, b):
    """ATen's KeyValueCompAsc (sort's comparator): NaN after every number."""
    return (a[0] == a[0] and b[0] != b[0]) or a[0] < b[0]


def std_sort(items, less=None):
    """``items`` (a list of (value, index) pairs) sorted in place by value, step for step as libstdc++'s
    std::sort(first, last, comp) with comp ``less`` (default: ``a.first < b.first``, mode's comparator)."""
    less = less or _less
    n = len(items)
    if n > 1:
        _introsort_loop(items, 0, n, 2 * (n.bit_length() - 1), less)
        if n > _THRESHOLD:
            _insertion_sort(items, 0, _THRESHOLD, less)
            for i in range(_THRESHOLD, n):
                _unguarded_linear_insert(items, i, less)
        else:
            _insertion_sort(items, 0, n, less)
    return items


def _introsort_loop(a, first, last, depth, less):
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(a, first, last, less)
            return
        depth -= 1
        cut = _unguarded_partition_pivot(a, first, last, less)
        _introsort_loop(a, cut, last, depth, less)
        last = cut


def _swap(a, i, j):
    a[i], a[j] = a[j], a[i]


def _unguarded_partition_pivot(a, first, last, less):
    mid = first + (last - first) // 2
    x, y, z = first + 1, mid, last - 1            # __move_median_to_first(first, first + 1, mid, last - 1)
    if less(a[x], a[y]):
        if less(a[y], a[z]):
            _swap(a, first, y)
        elif less(a[x], a[z]):
            _swap(a, first, z)
        else:
            _swap(a, first, x)
    elif less(a[x], a[z]):
        _swap(a, first, x)
    elif less(a[y], a[z]):
        _swap(a, first, z)
    else:
        _swap(a, first, y)
    lo, hi, pivot = first + 1, last, a[first]     # __unguarded_partition(first + 1, last, first)
    while True:
        while less(a[lo], pivot):
            lo += 1
        hi -= 1
        while less(pivot, a[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        _swap(a, lo, hi)
        lo += 1


def _insertion_sort(a, first, last, less):
    for i in range(first + 1, last):
        if less(a[i], a[first]):
            v = a[i]
            a[first + 1:i + 1] = a[first:i]
            a[first] = v
        else:
            _unguarded_linear_insert(a, i, less)


def _unguarded_linear_insert(a, last, less):
    v = a[last]
    nxt = last - 1
    while less(v, a[nxt]):
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = v


def _push_heap(a, base, hole, top, value, less):
    parent = (hole - 1) // 2
    while hole > top and less(a[base + parent], value):
        a[base + hole] = a[base + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[base + hole] = value


def _adjust_heap(a, base, hole, length, value, less):
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(a[base + child], a[base + child - 1]):
            child -= 1
        a[base + hole] = a[base + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[base + hole] = a[base + child - 1]
        hole = child - 1
    _push_heap(a, base, hole, top, value, less)


def _heap_select(a, first, middle, last, less):
    """std::__heap_select: make_heap(first, middle), then each later element smaller than the heap's top
    replaces it (pop_heap)."""
    n = middle - first
    if n >= 2:
        parent = (n - 2) // 2
        while True:
            _adjust_heap(a, first, parent, n, a[first + parent], less)
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if less(a[i], a[first]):
            v = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, n, v, less)


def _partial_sort(a, first, middle, last, less):
    """std::__partial_sort(first, middle, last): heap-select the smallest into [first, middle), then sort_heap."""
    _heap_select(a, first, middle, last, less)
    while middle - first > 1:
        middle -= 1
        v = a[middle]
        a[middle] = a[first]
        _adjust_heap(a, first, 0, middle - first, v, less)


def _heap_sort(a, first, last, less):
    """std::__partial_sort(first, last, last): make_heap, then sort_heap."""
    _partial_sort(a, first, last, last, less)


def _nth_element(a, nth, less):
    """std::nth_element(begin, begin + nth, end, comp) on the list ``a``: libstdc++'s introselect."""
    first, last = 0, len(a)
    if nth >= last:
        return
    depth = 2 * (last.bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, less)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _unguarded_partition_pivot(a, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, less)


def quick_select(values, k):
    """The original index of the element that ATen's CPU kthvalue returns for 0-based rank ``k`` of ``values``
    (a list of floats or ints)."""
    arr = list(values)
    idx = list(range(len(arr)))

    def gt(x, y):           # gt_or_nan: NaN is the largest
        return (x != x and y == y) or x > y

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while True:
        if hi <= lo:
            return idx[k]
        if hi == lo + 1:
            if gt(arr[lo], arr[hi]):
                swap(lo, hi)
            return idx[k]
        p = lo + (hi - lo) // 2
        swap(p, lo + 1)
        if gt(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if gt(arr[lo], arr[hi]):
            swap(lo, hi)
        if gt(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j, piv = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while gt(piv, arr[i]):
                i += 1
            j -= 1
            while gt(arr[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


def nth_element_first_of_equals(n):
    """The index that libstdc++'s std::nth_element(first, first, last) leaves at the front when no element
    compares less than another (PyTorch's nanmedian of an all-NaN row): introselect's median-of-three moves the
    middle element to the front, and its partitions only swap pairs from the two ends."""
    idx = list(range(n))
    first, last = 0, n
    while last - first > 3:
        mid = first + (last - first) // 2
        idx[first], idx[mid] = idx[mid], idx[first]
        lo, hi = first + 1, last
        while True:
            hi -= 1
            if not lo < hi:
                break
            idx[lo], idx[hi] = idx[hi], idx[lo]
            lo += 1
        last = lo                   # the cut lies past the front, where the nth (0th) element is
    return idx[0] if n else 0


# -- PyTorch's CPU sort and topk on NumPy arrays (the sorted axis last) -------------------------------------------
def greater_nan_first(a, b):
    """ATen's KeyValueCompDesc (sort descending) and topk's largest comparator: NaN before every number."""
    return (a[0] != a[0] and b[0] == b[0]) or a[0] > b[0]


#: the most elements (summed over the tied rows) whose order is replayed in Python, about 2.7 us each: beyond
#: it a call keeps the stable order, where PyTorch documents the order of equal elements as unspecified
REPLAY_BUDGET = 1 << 14


def _tied_rows(s, n):
    """The index tuples of the rows of ``s`` (sorted along its last axis) where two neighbours are equal; none
    when replaying rows of ``n`` elements each would exceed :data:`REPLAY_BUDGET`."""
    same = s[..., 1:] == s[..., :-1]
    if s.dtype.kind == "f":
        same |= _np.isnan(s[..., 1:]) & _np.isnan(s[..., :-1])
    rows = _np.argwhere(same.any(-1))
    return [] if len(rows) * n > REPLAY_BUDGET else [tuple(r) for r in rows]


def _pairs(row):
    return [(v, i) for i, v in enumerate(row.tolist())]


def torch_sort_order(a, order, descending=False):
    """``order``, a stable argsort of ``a`` along the last axis (NaN last, or first when ``descending``), with
    each row longer than 16 that holds equal elements replaced by the order of PyTorch's CPU
    ``sort(stable=False)``: std::sort, replayed (shorter rows get its insertion sort, which is stable), within
    :data:`REPLAY_BUDGET`."""
    if a.shape[-1] <= _THRESHOLD:
        return order
    less = greater_nan_first if descending else less_nan_last
    for r in _tied_rows(_np.take_along_axis(a, order, -1), a.shape[-1]):
        order[r] = [i for _, i in std_sort(_pairs(a[r]), less)]
    return order


def torch_topk_order(a, order, k, largest, sorted):
    """The first ``k`` of ``order`` (a stable argsort of ``a`` along the last axis, largest first when
    ``largest``, NaN counted largest), with each row whose ties reach the first k + 1 elements replaced by
    PyTorch's CPU topk: std::partial_sort when ``k * 64 <= n``, else std::nth_element and (when ``sorted``)
    std::sort of the first k - 1, replayed."""
    top = order[..., :k].copy()
    n = a.shape[-1]
    if k == 0:
        return top
    less = greater_nan_first if largest else less_nan_last
    for r in _tied_rows(_np.take_along_axis(a, order[..., :k + 1], -1), n):
        q = _pairs(a[r])
        if k * 64 <= n:
            _partial_sort(q, 0, k, n, less)
        else:
            _nth_element(q, k - 1, less)
            if sorted:
                q[:k - 1] = std_sort(q[:k - 1], less)
        top[r] = [i for _, i in q[:k]]
    return top
