"""Sessions: the gatherings of a cohort, who is on its roster, and who attended."""
