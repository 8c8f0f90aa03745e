"""The pure rules of Đôn Đốc: deadline phrases, the working-day calendar, recurrence, reply
parsing, reply binding, the role matrix, agency resolution, plan importers, reminder
planning, the summary's figures.

No Telegram, Zalo, SQL, scheduler or clock in here: domain modules import only each other,
the standard library, `locales` (for msgids) and file-format readers (python-docx,
openpyxl); time is always a parameter.
"""
