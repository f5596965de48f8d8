"""The background services the app's lifespan (and ``shudu worker``) start: search indexing,
datastore loading, audit checkpoints, OAuth usage flushing, and the periodic jobs (harvests, the
exchange's sweep). Each module has a ``start_*`` function and the accessor routes use."""
