"""What facilities tells the apps above it, which it does not import. Each receiving app connects its
receivers in one module, imported from its AppConfig.ready(): applications/receivers.py, invoicing/receivers.py.

Both are sent inside the transaction that made the change, so a receiver's writes commit or roll back with it.
"""
from django.dispatch import Signal

# A facility has registered for a programme, or an enrolled one has added a programme (kwargs: enrolment).
# Invoicing issues the enrolment's registration invoices.
enrolment_registered = Signal()

# An enrolment's fee is paid and the facility is an enrolled centre of the programme (kwargs: enrolment).
# Its application opens.
enrolment_enrolled = Signal()
