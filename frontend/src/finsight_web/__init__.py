"""The tenant web dashboard: Jinja2 pages over the REST API (DESIGN §2).

Every screen is something the API can do, called over HTTP with the signed-in user's token;
authorization lives in the API. This package never touches the database.
"""
