"""The OAuth 2.0 authorization server and resource protection (issue 5; DESIGN.md §5, §8)."""
