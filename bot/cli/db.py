"""`dondoc db upgrade`: create the store, or bring it up to this version."""

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, database_problem, friendly


def register(app: typer.Typer) -> None:
    """Add `dondoc db ...`."""
    db_app = typer.Typer(help="The store: create or upgrade the database.", no_args_is_help=True)
    db_app.command("upgrade")(db_upgrade)
    app.add_typer(db_app, name="db")


@friendly
def db_upgrade() -> None:
    """Create the database, or bring it up to this version (safe to run again)."""
    from models.migrate import upgrade

    settings = cli_settings()
    _ = cli_translator(settings)
    try:
        upgrade(settings.database_url)
    except OSError as exc:
        problem = database_problem(exc, _)
        if problem is not None:
            raise UserError(problem) from None
        raise UserError(_("Không mở được cơ sở dữ liệu: {error}").format(error=exc)) from exc
    typer.echo(_("Cơ sở dữ liệu đã sẵn sàng."))
