"""The HTTP kit every stage's routes share: the AudioDN envelope, request bodies, paging, dependencies.

It knows FastAPI and Starlette but no stage; `api/` wires the stages' routers into one app.
"""
