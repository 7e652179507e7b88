"""MongoDB access shared by the services."""
