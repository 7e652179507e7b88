"""Enrollment's rules, free of I/O: programmes, cohorts and their windows, applications, seats."""
