"""Benchmark: server time of the portal pages against the JSON API call behind each."""
