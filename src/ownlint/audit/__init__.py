"""The periodic audit: inventory of every resource, its snapshot in a store, reports from the store.

Needs the ``audit`` extra (SQLAlchemy, Jinja2, matplotlib, psycopg): ``pip install 'ownlint[audit]'``.
"""
