"""Medical assistance (医疗救助): bills, the deductible, share and yearly cap by recipient
category, year-to-date use per person, post-settlement payments (issue 14)."""
