"""Settings helpers for a region (docs/scaling.md): read replicas and plan groups.

Read by config/settings.py, which reads the environment; nothing here reads it.
"""

REPLICA_PREFIX = "replica"


def replica_databases(urls: list[str], primary: dict, env) -> dict:
    """Django DATABASES entries for the replica URLs: `replica1`, `replica2`…, with
    the primary's connection options, a short connect timeout (a dead replica must
    not hold a request up) and no test database of their own."""
    found = {}
    for number, url in enumerate(u.strip() for u in urls if u.strip()):
        config = env.db_url_config(url)
        for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
            if key in primary:
                config[key] = primary[key]
        config["OPTIONS"] = {**primary.get("OPTIONS", {}), **config.get("OPTIONS", {})}
        config["OPTIONS"].setdefault("connect_timeout", 2)
        config["TEST"] = {"MIRROR": "default"}
        found[f"{REPLICA_PREFIX}{number + 1}"] = config
    return found
