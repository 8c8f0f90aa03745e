"""The pure rules of Đôn Đốc: no Telegram, Zalo, SQL or clock in here."""
