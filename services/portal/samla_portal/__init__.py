"""Samla's web portal: a backend-for-frontend that renders pages from the services' public APIs."""
