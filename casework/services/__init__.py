"""Everything the system does. The only code that changes rows and commits.

Every service takes the acting user explicitly, checks permission and scope itself (deny by
default) and raises the domain errors in `casework.services.errors`.
"""
