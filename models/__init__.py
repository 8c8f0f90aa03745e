"""The store: SQLModel tables, the stored enumerations, the engine, bulk writes and Alembic
migrations, for SQLite and PostgreSQL alike.

Models import only the domain (for enumerations such as Status and Role); units of work
over them are services.unit_of_work.
"""
