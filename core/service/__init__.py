"""Customer service: requests (RA), routing, work orders (OS)."""
