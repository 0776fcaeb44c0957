"""Everything HTTP: the app factory, routes (one table for message routes), deps (the user, authorized_request),
schemas, the one error handler, middleware (request id and access log, body limits), JSON parsing, client address.

The only part that imports FastAPI or Starlette. May import every other part of app (not the devnet).
"""
