"""Samla's shared event contract and the delivery plumbing every service needs."""
