"""A month's receipts spread over its insurances (单位缴费信息's 已缴): in proportion to
each one's due, to the fen, the parts adding up to the receipts exactly."""

from __future__ import annotations

from decimal import Decimal as D

from registry.queries.paid import spread


def test_three_equal_dues_leave_a_fen_to_the_first_largest():
    # 100.00 / 3 = 33.33 each (99.99): the fen left goes to 养老, first of the equal.
    parts = spread(D("100.00"), {"310": D(50), "110": D(50), "210": D(50)})
    assert parts == {"110": D("33.34"), "310": D("33.33"), "210": D("33.33")}


def test_rounding_up_too_far_is_taken_back_from_the_largest():
    # 0.05 over 1 : 1 : 2 → 0.0125 · 0.0125 · 0.025 → 0.01 · 0.01 · 0.03 = 0.05 (no change);
    # 0.10 over 1 : 1 : 1 : 3 → 0.0167 ×3 → 0.02 ×3 and 0.05 = 0.11: 0.04 for the largest.
    assert sum(spread(D("0.05"), {"110": D(2), "310": D(1), "210": D(1)}).values()) == D("0.05")
    parts = spread(D("0.10"), {"110": D(3), "310": D(1), "210": D(1), "410": D(1)})
    assert parts == {"110": D("0.04"), "310": D("0.02"), "210": D("0.02"), "410": D("0.02")}


def test_nothing_due_takes_nothing():
    assert spread(D("10"), {"110": D(0), "310": D(-5)}) == {"110": D("0.00"), "310": D("0.00")}
    assert spread(D("0"), {"110": D(5)}) == {"110": D("0.00")}
