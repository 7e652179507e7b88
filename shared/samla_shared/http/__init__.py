"""HTTP pieces every service exposes the same way: problem details and operational endpoints."""
