"""What facilities tells the apps above it, which it does not import. Each receiving app connects its
receivers in one module, imported from its AppConfig.ready(): applications/receivers.py, invoicing/receivers.py.

Both are sent inside the transaction that made the change, so a receiver's writes commit or roll back with it.
"""
from django.dispatch import Signal

# A facility has registered (kwargs: facility). Invoicing issues its registration invoices.
facility_registered = Signal()

# A facility's enrolment fee is paid and it is an enrolled centre (kwargs: facility). Its application opens.
facility_enrolled = Signal()
