"""The oversight staff pages, one module per concern (urls.py names them from here)."""

from jiuzhu.oversight.views.alerts import alert_act as alert_act
from jiuzhu.oversight.views.alerts import alert_detail as alert_detail
from jiuzhu.oversight.views.alerts import alert_list as alert_list
from jiuzhu.oversight.views.alerts import alert_scan as alert_scan
from jiuzhu.oversight.views.common import evidence_file as evidence_file
from jiuzhu.oversight.views.complaints import complaint_act as complaint_act
from jiuzhu.oversight.views.complaints import complaint_detail as complaint_detail
from jiuzhu.oversight.views.complaints import complaint_list as complaint_list
from jiuzhu.oversight.views.complaints import complaint_new as complaint_new
from jiuzhu.oversight.views.integrity import integrity_act as integrity_act
from jiuzhu.oversight.views.integrity import integrity_list as integrity_list
from jiuzhu.oversight.views.integrity import integrity_record as integrity_record
from jiuzhu.oversight.views.integrity import relatives as relatives
from jiuzhu.oversight.views.performance import evaluation_page as evaluation_page
from jiuzhu.oversight.views.performance import faults as faults
from jiuzhu.oversight.views.performance import task_board as task_board
