"""The e-commerce application built on autoops: job handlers for the order and forecast processes.

:mod:`workers.shop` holds the business rules over a SQLite shop database; the handler modules beside it
adapt those rules to Zeebe jobs with :mod:`autoops.worker`.
"""
