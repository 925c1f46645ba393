"""The allocation formula: pure, in integer fen, so that the shares add up exactly."""

from decimal import Decimal


def weights(
    recipients: list[int], weakness: list[Decimal], w_recipients: Decimal, w_weakness: Decimal
) -> list[Decimal]:
    """Each town's weight: w_recipients × its share of recipients + w_weakness × its share
    of weakness.

    A financially weak town (weakness near 1) gets more than its recipients alone would
    give it: county subsidies favour financially weak towns
    (docs/policy/county-opinions.md#capacity).
    """
    all_recipients = sum(recipients)
    all_weakness = sum(weakness)
    out = []
    for town_recipients, town_weakness in zip(recipients, weakness, strict=True):
        recipient_share = (
            Decimal(town_recipients) / all_recipients if all_recipients else Decimal(0)
        )
        weakness_share = town_weakness / all_weakness if all_weakness else Decimal(0)
        out.append(w_recipients * recipient_share + w_weakness * weakness_share)
    return out


def split(total_fen: int, town_weights: list[Decimal]) -> list[int]:
    """total × weight / Σ weights, floored, the remaining fen to the largest remainders."""
    whole = sum(town_weights)
    if total_fen <= 0 or whole <= 0:
        return [0] * len(town_weights)
    exact = [Decimal(total_fen) * weight / whole for weight in town_weights]
    floors = [int(share) for share in exact]
    left = total_fen - sum(floors)
    # Ties go to the earlier town.
    order = sorted(
        range(len(exact)), key=lambda town: (exact[town] - floors[town], -town), reverse=True
    )
    for town in order[:left]:
        floors[town] += 1
    return floors
