"""Users, organizations, memberships, roles and personal API tokens."""
