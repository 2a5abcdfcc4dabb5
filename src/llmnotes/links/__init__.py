"""The link checker: extract → check → report, plus a cache and `--fix`.

`extract` reuses the build's load and graph stages, so the checker sees exactly the links the site
has; `check` is an async scheduler over aiohttp with per-host queues; `report` formats plain records.
"""
