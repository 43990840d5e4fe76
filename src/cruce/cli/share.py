"""`cruce share`: run the TAXII server, manage sharing accounts and collections, publish, sync with partners.

A sub-app of `cruce.cli.main` (which owns exit codes and error lines). Secrets never go on the command line,
where `ps` and shell history would show them: a password is read from stdin (`--password-stdin`), a sync
password or token from an environment variable named by an option, and a new API token is printed once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from cruce.cli.config import database_url
from cruce.cli.output import console, err_console, say
from cruce.core.errors import InputError

if TYPE_CHECKING:
    from cruce.storage.store import Store

SERVER_FACTORY = "cruce.api.taxii:app_from_settings"

share_app = typer.Typer(
    help="Share under markings: TAXII 2.1 server, accounts, collections, publish and sync."
)
accounts_app = typer.Typer(help="Sharing accounts (who may call the TAXII server).")
collections_app = typer.Typer(help="TAXII collections and who may read or write them.")
share_app.add_typer(accounts_app, name="accounts")
share_app.add_typer(collections_app, name="collections")


def _database_url() -> str:
    return database_url()


def _open() -> Store:
    from cruce.storage.store import open_store

    return open_store(_database_url())


def _help(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        text = ctx.get_help()
        if text:
            console.print(text, markup=False)
        raise typer.Exit(0)


share_app.callback(invoke_without_command=True)(_help)
accounts_app.callback(invoke_without_command=True)(_help)
collections_app.callback(invoke_without_command=True)(_help)


@share_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8600,
) -> None:
    """Serve the store's collections over TAXII 2.1 (discovery at /taxii2/, API root /cruce/).

    The app is named to uvicorn as an import string (its factory reads the settings at start-up, as the
    API's edge), so the CLI layer never imports the API layer.
    """
    import uvicorn

    _database_url()  # a bad setting is reported here, as one error line, before the server starts
    err_console.print(f"TAXII 2.1 server on http://{host}:{port}/taxii2/", soft_wrap=True)
    uvicorn.run(SERVER_FACTORY, factory=True, host=host, port=port, log_level="warning")


@accounts_app.command("add")
def accounts_add(  # noqa: PLR0917 - Typer turns each parameter into an option
    user: Annotated[str, typer.Argument(help="The account's user id.")],
    org: Annotated[str, typer.Option("--org", help="Organisation (agency) id.")],
    country: Annotated[str, typer.Option(help="The organisation's country (ISO trigraph, e.g. MEX).")],
    clearance: Annotated[str, typer.Option(help="U, C, S or TS.")],
    role: Annotated[list[str], typer.Option(help="analyst, releasing_officer, officer, auditor (repeat).")],
    nationality: Annotated[str | None, typer.Option(help="If not the organisation's country.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password from stdin.")
    ] = False,
    token: Annotated[
        bool, typer.Option("--token", help="Issue an API token and print it once (system accounts only).")
    ] = False,
    system: Annotated[
        bool, typer.Option("--system", help="A system account (a sync or integration), not a person.")
    ] = False,
) -> None:
    """Create a sharing account (password stored as a salted argon2id hash; tokens only as sha256).

    Only system accounts get API tokens; one account never holds conflicting duties.
    """
    from cruce.service.node_admin import NodeAdmin, check_account

    check_account(role, system=system, token=token)
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("bad_password", "--password-stdin read an empty password")
    with _open() as store:
        added = NodeAdmin(store).add_account(
            user, organisation=org, country=country, clearance=clearance, roles=role,
            nationality=nationality, password=password, system=system, token=token,
        )  # fmt: skip
    account = added.account
    say(f"account {escape(account.user_id)} ({escape(account.organisation)}, {account.country}) added")
    if added.token is not None:
        say(f"token (shown once): {added.token}")


@accounts_app.command("ls")
def accounts_ls() -> None:
    """List sharing accounts."""
    from cruce.service.node_admin import NodeAdmin

    with _open() as store:
        accounts = NodeAdmin(store).accounts()
    for a in accounts:
        roles = ",".join(sorted(r.value for r in a.roles))
        say(f"{a.user_id}\t{a.organisation}\t{a.country}\t{a.clearance.abbreviation}\t{roles}")


@collections_app.command("add")
def collections_add(
    collection_id: Annotated[str, typer.Argument(help="The collection's id (used in URLs).")],
    title: Annotated[str, typer.Option(help="A title people read.")],
    description: Annotated[str, typer.Option(help="What the collection holds.")] = "",
    read: Annotated[list[str] | None, typer.Option(help="user:ID or org:ORG that may read (repeat).")] = None,
    write: Annotated[
        list[str] | None, typer.Option(help="user:ID or org:ORG that may write (repeat).")
    ] = None,
) -> None:
    """Create a collection and grant read/write rights on it."""
    from cruce.service.node_admin import NodeAdmin

    with _open() as store:
        NodeAdmin(store).add_collection(collection_id, title, description, read or [], write or [])
    say(f"collection {escape(collection_id)} added")


@collections_app.command("grant")
def collections_grant(
    collection_id: Annotated[str, typer.Argument()],
    principal: Annotated[str, typer.Argument(help="user:ID or org:ORG")],
    read: Annotated[bool, typer.Option("--read/--no-read")] = True,
    write: Annotated[bool, typer.Option("--write/--no-write")] = False,
) -> None:
    """Set a principal's rights on a collection."""
    from cruce.service.node_admin import NodeAdmin

    with _open() as store:
        NodeAdmin(store).grant(collection_id, principal, read=read, write=write)
    say(f"{escape(principal)} on {escape(collection_id)}: read={read} write={write}")


@collections_app.command("ls")
def collections_ls() -> None:
    """List collections, their object counts and permissions."""
    from cruce.service.node_admin import NodeAdmin

    with _open() as store:
        found = NodeAdmin(store).collections()
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("id", "title", "objects", "permissions"):
        table.add_column(name, overflow="fold")
    for c in found:
        rights = ", ".join(f"{p} {'r' if r else ''}{'w' if w else ''}" for p, r, w in c.permissions)
        table.add_row(escape(c.collection_id), escape(c.title), f"{c.objects:,}", escape(rights))
    console.print(table)


@share_app.command("publish")
def publish(
    bundle: Annotated[Path, typer.Argument(help="A STIX bundle of cruce products (cruce's export).")],
    collection: Annotated[str, typer.Option(help="The collection to publish to.")],
    as_user: Annotated[str, typer.Option("--as", help="The sharing account publishing (releasing officer).")],
    partner: Annotated[
        list[str] | None,
        typer.Option(help="Release tear-line versions to these countries (default: REL TO)."),
    ] = None,
) -> None:
    """Publish products: the full product, and each partner's tear-line version, into a collection."""
    from cruce.service.node_admin import NodeAdmin
    from cruce.service.sharing import products_from_file

    try:
        text = bundle.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("unreadable_file", f"cannot read {bundle}: {exc.strerror}") from exc
    products = products_from_file(text)
    with _open() as store:
        results = NodeAdmin(store).publish(as_user, collection, products, partner or None)
        for result in results:
            released = ", ".join(result.released_to) or "no partner"
            say(
                f"{escape(result.product_id)}: {result.added} new object versions "
                f"({result.present} already there); released to {released}"
            )
            for code, reason in result.denied.items():
                say(f"  not released to {code}: {escape(reason)}")


@share_app.command("sync")
def sync(  # noqa: PLR0917 - Typer turns each parameter into an option
    remote: Annotated[str, typer.Option(help="The partner's API root, e.g. http://host:8600/cruce/")],
    collection: Annotated[str, typer.Option(help="The remote collection id.")],
    user: Annotated[
        str | None, typer.Option(help="Account on the remote (password from --password-env).")
    ] = None,
    password_env: Annotated[str, typer.Option(help="Variable holding the password.")] = "CRUCE_SYNC_PASSWORD",
    token_env: Annotated[str | None, typer.Option(help="Variable holding an API token instead.")] = None,
    into: Annotated[str | None, typer.Option(help="Local collection (default: the same id).")] = None,
    push: Annotated[
        bool, typer.Option("--push", help="Also send local objects the partner may receive.")
    ] = False,
    partner_country: Annotated[
        str | None,
        typer.Option(
            help="The remote node's country: the origin of what is pulled (TLP onward-sharing rule); "
            "with --push, only what it may receive goes."
        ),
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Objects per request.")] = 1000,
) -> None:
    """Pull new objects from a partner's collection (and push ours); safe to interrupt and rerun."""
    parsed = urlsplit(remote)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(
            "bad_remote",
            f"--remote {remote!r} must be an http(s) URL of the partner's API root, "
            "e.g. http://host:8600/cruce/",
        )
    from cruce.service.node_admin import NodeAdmin
    from cruce.service.sharing import Remote, RetryPolicy

    token = os.environ.get(token_env) if token_env else None
    if token_env and not token:
        raise InputError("missing_secret", f"--token-env names {token_env}, which is not set")
    password = None if token else os.environ.get(password_env)
    if not token and (user is None or not password):
        raise InputError("missing_secret", f"give --user and the password in {password_env}, or --token-env")
    if push and not partner_country:
        raise InputError("missing_option", "--push needs --partner-country (what the partner may receive)")
    from cruce.core.settings import Settings

    country = partner_country.strip().upper() if partner_country else None
    target = Remote(remote, user=user, password=password, token=token, country=country)
    settings = Settings()
    retry = RetryPolicy(settings.sync_tries, settings.sync_backoff_s)
    with _open() as store:
        node = NodeAdmin(store)
        actor = f"sync:{user or 'token'}@{target.url}"
        report = node.pull(target, collection, into, page_size, actor, settings.node_country, retry)
        say(f"pulled {report.received:,} object versions in {report.pages} pages, {report.added:,} new")
        if push and partner_country:
            sent = node.push(target, collection, into, partner_country, min(page_size, 500), actor, retry)
            say(f"pushed {sent.received:,} object versions in {sent.pages} pages, {sent.added:,} new there")


@share_app.command("status")
def status() -> None:
    """Per partner, collection and direction: last success, last error (when, what), tries, cursor."""
    from cruce.service.node_admin import NodeAdmin

    with _open() as store:
        rows = NodeAdmin(store).sync_status()
    if not rows:
        say("no sync has run yet (`cruce share sync`)")
        return
    for r in rows:
        ok = r.last_success_at.isoformat(timespec="seconds") if r.last_success_at else "never"
        failed = r.last_error_at.isoformat(timespec="seconds") if r.last_error_at else "never"
        say(f"{escape(r.remote)} {escape(r.collection)} {r.direction} (local {escape(r.local_collection)})")
        say(f"  last success: {ok}   last error: {failed}   tries of the last run: {r.tries}")
        if r.last_error:
            say(f"  error: {escape(r.last_error)}")
        say(f"  cursor: {escape(r.cursor or '(none)')}")
