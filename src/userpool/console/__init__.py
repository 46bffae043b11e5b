"""The web console (issue 6): pools, users and their MFA, served under /console.

Server-rendered HTML (Jinja2, autoescaped) over the same operation layer as the API
(`dispatch.invoke`), so every form validates and fails exactly as the API does. Entry points:
`userpool.console.app.create_console` (the routes) and `userpool.console.guard.AdminGuard` (the
credential check of the admin operations off loopback, see `userpool.console.access`)."""
