"""What applications tells the apps above it, which it does not import. A receiving app connects its receivers in
its receivers.py, imported from its AppConfig.ready() (invoicing/receivers.py).

Sent inside the transaction that made the change, so a receiver's writes commit or roll back with it.
"""
from django.dispatch import Signal

# A centre has started its re-accreditation (kwargs: application, user; application.assessment_path is decided).
# Invoicing issues the programme's fee for it.
reaccreditation_started = Signal()
