"""quantity.Amount: resource.Quantity's canonical String() and Add's format rule, as the
quota controller and the LimitRanger's messages print them."""

from __future__ import annotations

import pytest

from kubectl_stack_sim.quantity import ZERO, amount


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("0", "0"),
        ("1", "1"),
        ("1000", "1k"),
        ("1500", "1500"),
        ("0.5", "500m"),
        ("1.5", "1500m"),
        ("500m", "500m"),
        ("2000m", "2"),
        ("1G", "1G"),
        ("1000M", "1G"),
        ("128Mi", "128Mi"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("1000Ki", "1000Ki"),
        ("100u", "100u"),
    ],
)
def test_canonical_forms(given: str, canonical: str) -> None:
    assert str(amount(given)) == canonical


def test_a_sum_keeps_its_left_format_unless_that_is_zero() -> None:
    assert str(amount("128Mi") + amount("256Mi")) == "384Mi"
    assert str(ZERO + amount("256Mi")) == "256Mi"
    assert str(amount("1") + amount("1Ki")) == "1025"
    assert str(amount("500m") + amount("1")) == "1500m"


def test_malformed_quantities_read_as_zero() -> None:
    assert amount("lots").nanos == 0 and amount("").nanos == 0
