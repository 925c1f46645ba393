"""The outreach pages, one module per concern (urls.py names them from here)."""

from jiuzhu.outreach.views.education import education_proposals as education_proposals
from jiuzhu.outreach.views.leads import lead as lead
from jiuzhu.outreach.views.leads import lead_new as lead_new
from jiuzhu.outreach.views.leads import leads as leads
from jiuzhu.outreach.views.leads import photo as photo
from jiuzhu.outreach.views.monitoring import monitoring_list as monitoring_list
from jiuzhu.outreach.views.monitoring import monitoring_warnings as monitoring_warnings
from jiuzhu.outreach.views.referrals import referral_list as referral_list
from jiuzhu.outreach.views.roster import staff_roster as staff_roster
from jiuzhu.outreach.views.visits import target as target
from jiuzhu.outreach.views.visits import visits as visits
