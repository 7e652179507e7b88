"""Measures: workplace measures adopted in party cooperation and followed up against indicators."""
