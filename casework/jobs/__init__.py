"""Background work: the scheduler process, which runs the alert sweep, delivery and digest.

Jobs decide nothing themselves: they call the services in `casework.services.alerts`.
"""
