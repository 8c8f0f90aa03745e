"""Use cases over the store: each function is one unit of work a handler or command calls.

Services import domain, models and views (what the text shows), never handlers, scheduler or
bot; each works in a `UnitOfWork` (services.unit_of_work).
"""
