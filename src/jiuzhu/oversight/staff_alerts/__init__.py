"""Staff alerts (工作提醒): what waits for a member of staff, found by a periodic task
(occasions.py), kept in their inbox and texted as each of them chose (delivery.py)."""
