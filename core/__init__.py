"""Shared machinery at the bottom of the layers: it imports no app of the project, and every app may use it.

Each module is named after what it holds: `cache_backends`, `public_cache`, `pagination`, `queueing`, `mail`,
`csv_safety`, `query_filters`, `slugs`, `admin_actions`.
"""
