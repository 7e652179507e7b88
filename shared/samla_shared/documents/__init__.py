"""Documents every service hands out: spreadsheets (CSV, XLSX), PDFs, charts and calendar feeds.

One place for the formats, so an export from enrollment opens in Excel exactly like one
from sessions or measures; the services only say which rows and columns.
"""
