"""The local web page: `app` (the routes), `guard` (who may use it), `work` (a report in a worker process),
`serving` (how it listens) and `static/` (the page itself, in Swedish). Importing this package imports
none of them, so that the command line starts without Starlette."""
