"""Finding people before they apply: leads, low-income monitoring, referrals, deliberation,
visits and the staff roster (issue 15)."""
