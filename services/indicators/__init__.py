"""Indicators (chỉ tiêu) over the store: storing the imported tables (`store`), reading
indicators, their figures and standings (`read`), the reminder sweep's indicator targets
(`collect`), recording figures, corrections and explanations (`values`), /chitieu
(`queries`) and the report files (`files`).

They import domain, models, views and services.unit_of_work / services.outbox, never
handlers, scheduler or bot.
"""
