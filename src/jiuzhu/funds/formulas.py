"""The allocation formula: pure, in integer fen, so that the shares add up exactly."""

from decimal import Decimal


def weights(
    recipients: list[int], weakness: list[Decimal], w_recipients: Decimal, w_weakness: Decimal
) -> list[Decimal]:
    """Each town's weight: w_r × its share of recipients + w_f × its share of weakness.

    A financially weak town (weakness near 1) gets more than its recipients alone would
    give it: county subsidies favour financially weak towns
    (docs/policy/county-opinions.md#capacity).
    """
    total_r = sum(recipients)
    total_w = sum(weakness)
    out = []
    for r, w in zip(recipients, weakness, strict=True):
        share_r = Decimal(r) / total_r if total_r else Decimal(0)
        share_w = w / total_w if total_w else Decimal(0)
        out.append(w_recipients * share_r + w_weakness * share_w)
    return out


def split(total_fen: int, town_weights: list[Decimal]) -> list[int]:
    """total × weight / Σ weights, floored, the remaining fen to the largest remainders."""
    whole = sum(town_weights)
    if total_fen <= 0 or whole <= 0:
        return [0] * len(town_weights)
    exact = [Decimal(total_fen) * w / whole for w in town_weights]
    floors = [int(x) for x in exact]
    left = total_fen - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return floors
