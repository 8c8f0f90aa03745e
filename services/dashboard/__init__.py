"""The dashboard's services: sign-in (auth) and what each page shows (pages, export)."""
