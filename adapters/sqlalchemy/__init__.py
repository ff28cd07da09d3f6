"""SQLAlchemy 2 (asyncio, Core) persistence on SQLite (aiosqlite) and PostgreSQL (asyncpg)."""
