"""The ``ipbridge`` command. Every subcommand works on the database named by DATABASE_URL."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipbridge.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """IPBridge: where IP right holders and marketplaces cooperate against infringing goods."""


@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")), show_default="8000")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: int(os.environ.get("WEB_CONCURRENCY", "1")),
    show_default="1",
    help="Processes serving requests; more use more cores (then set CHANNEL_LAYER_URL).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web pages, the API and the live-stream WebSocket (uvicorn, an ASGI server).
    \f
    Uvicorn with the websockets package rather than daphne: both run the same ASGI application, HTTP and WebSocket
    alike; uvicorn needs no Twisted, starts its own worker processes, and is the server the deployment guide already
    runs. Waitress, before it, speaks WSGI, which has no WebSockets. Under ASGI each request's synchronous Django code
    runs in a thread of its own, so the thread-pool size waitress took would bound nothing: ``--workers`` processes
    are what use more cores (the scheduler, without a job broker, runs once, in the process that starts them). The
    client's address comes from NUM_PROXIES, never from the server's own reading of proxy headers."""
    _setup()
    import logging

    import uvicorn

    from ipbridge.core.schedule import embedded_scheduler_start

    if embedded_scheduler_start() is not None:
        click.echo("No job broker: deadlines are checked by this process.")
    click.echo(f"IPBridge serving on http://{host}:{port}/")
    uvicorn.run(
        "ipbridge.config.asgi:application",
        host=host,
        port=port,
        workers=workers,
        # Django's ASGI handler speaks no lifespan protocol.
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        ws_max_size=1024 * 1024,
        log_level=logging.getLogger().getEffectiveLevel(),
    )


@main.command()
@click.option("--code", "code_for", metavar="EMAIL", help="Print the current two-factor code of a demo person.")
def demo(code_for: str | None) -> None:
    """Load the demo world (idempotent) and print who can log in."""
    _setup()
    from ipbridge import demo as demo_world

    if code_for:
        if code_for not in {email for email, _org, _role in demo_world.demo_people()}:
            _fail(f"{code_for} is not a demo person")
        click.echo(demo_world.demo_totp_code(code_for))
        return
    try:
        demo_world.demo_load()
    except RuntimeError as exc:
        _fail(str(exc))
    click.echo(f"Demo loaded. Every demo person's password is: {demo_world.DEMO_PASSWORD}")
    click.echo("Two-factor code: `ipbridge demo --code EMAIL`, or add the secret below to an authenticator app.\n")
    for email, organisation, role in demo_world.demo_people():
        click.echo(f"  {email:<28} {role:<9} {demo_world.demo_totp_secret(email)}  {organisation}")


@main.command("create-org")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["right_holder", "agent", "marketplace", "merchant", "mediator", "authority", "operator"]),
)
@click.option("--name", required=True)
@click.option("--country", default="", help="ISO 3166 alpha-2 code.")
@click.option("--verified", is_flag=True, help="Mark the organisation as verified (recorded as an operator's act).")
def create_org(kind: str, name: str, country: str, verified: bool) -> None:
    """Create an organisation and print its slug."""
    _setup()
    from django.db import transaction

    from ipbridge.accounts import selectors, services
    from ipbridge.core.errors import ApplicationError

    try:
        with transaction.atomic():
            organisation = services.organisation_create(name=name, kind=kind, country=country, allow_operator=True)
            if verified:
                operator = selectors.operator_organisation() or organisation
                services.organisation_set_verification(
                    actor=selectors.actor_for_system(operator),
                    organisation_id=organisation.pk,
                    status="verified",
                    reason="verified from the command line",
                )
    except ApplicationError as exc:
        _fail(f"{exc.field or 'input'}: {exc.message}")
    click.echo(organisation.slug)


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--org", "org_slug", help="Add the person to this organisation.")
@click.option("--role", type=click.Choice(["admin", "member", "reviewer"]), default="admin", show_default=True)
def create_user(email: str, full_name: str, password: str, org_slug: str | None, role: str) -> None:
    """Create a person, optionally as a member of an organisation."""
    _setup()
    from django.db import transaction

    from ipbridge.accounts import selectors, services
    from ipbridge.core.errors import ApplicationError

    try:
        with transaction.atomic():
            user = services.user_create(email=email, full_name=full_name, password=password)
            if org_slug:
                services.membership_grant(user=user, organisation=selectors.organisation_by_slug(org_slug), role=role)
    except ApplicationError as exc:
        _fail(f"{exc.field or 'input'}: {exc.message}")
    click.echo(user.email)


@main.command("create-api-key")
@click.option("--org", "org_slug", required=True)
@click.option("--scopes", required=True, help="Comma-separated, e.g. notices:read,notices:write")
@click.option("--name", default="command line", show_default=True)
@click.option("--expires-in-days", type=int, default=90, show_default=True, help="0 for a key that never expires.")
def create_api_key(org_slug: str, scopes: str, name: str, expires_in_days: int) -> None:
    """Create an API key and print it once."""
    _setup()
    from ipbridge.accounts import selectors, services
    from ipbridge.core.errors import ApplicationError

    try:
        organisation = selectors.organisation_by_slug(org_slug)
        _key, secret = services.api_key_create(
            actor=selectors.actor_for_system(organisation),
            name=name,
            scopes=[s.strip() for s in scopes.split(",") if s.strip()],
            expires_in_days=expires_in_days or None,
        )
    except ApplicationError as exc:
        _fail(f"{exc.field or 'input'}: {exc.message}")
    click.echo(secret)


@main.command("import-rights")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_", required=True, type=click.Choice(["st66", "st86", "csv"]), help="File format.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_rights(files: tuple[Path, ...], format_: str, quiet: bool) -> None:
    """Import register files (WIPO ST.66, ST.86 or CSV) into the rights register, in the foreground.

    Rights are matched by office and number, so a file can be imported again; changes are kept as history.
    Exits with 1 when every record was rejected or the file could not be read.
    """
    _setup()
    from ipbridge.core.errors import ApplicationError
    from ipbridge.rights import selectors_imports, services

    total = sum(path.stat().st_size for path in files)
    with click.progressbar(
        length=total, label="Importing", file=sys.stderr, show_pos=False, show_percent=True, hidden=quiet
    ) as bar:
        shown = 0

        def progress(batch: Any) -> None:
            nonlocal shown
            bar.update(batch.bytes_done - shown)
            shown = batch.bytes_done

        try:
            batch = services.rights_import_files(format=format_, paths=list(files), on_progress=progress)
        except ApplicationError as exc:
            _fail(f"{exc.field or 'input'}: {exc.message}")
        bar.update(total - shown)
    click.echo(
        f"created {batch.created}, updated {batch.updated}, unchanged {batch.unchanged}, rejected {batch.rejected}"
    )
    for rejection in selectors_imports.import_rejections_first(batch=batch, limit=10):
        where = f" [{rejection.field}]" if rejection.field else ""
        click.echo(f"  rejected #{rejection.position} {rejection.identifier}{where}: {rejection.reason}")
    if batch.rejected > 10:
        click.echo(f"  … and {batch.rejected - 10} more")
    if batch.error:
        click.echo(f"error: {batch.error}", err=True)
        sys.exit(1)
    if batch.rejected and batch.rejected == batch.records_seen:
        sys.exit(1)


@main.command("screen")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", default="-", show_default=True, help="Where the results go; - is standard output.")
@click.option("--marketplace", "marketplace_slug", metavar="SLUG", help="Screen with this marketplace's catalogue.")
def screen(source: Path, out_path: str, marketplace_slug: str | None) -> None:
    """Screen the listings of SOURCE (JSON lines, or CSV when its name ends in .csv) against the marks of the
    register's verified right holders, the risk keywords and the geographical indications.

    Writes a JSON line per listing: id, risk_score, level and flags. A line that cannot be screened is told on
    standard error with its number, field and reason, the others are screened, and the exit status is 2.
    """
    _setup()
    import json
    from itertools import islice

    from ipbridge.accounts import selectors
    from ipbridge.accounts.models import OrganisationKind
    from ipbridge.core.errors import ApplicationError
    from ipbridge.engine.screening import Listing
    from ipbridge.screening.catalogue import screener_for
    from ipbridge.screening.scans_input import Rejected, file_records, items_checked

    marketplace = None
    if marketplace_slug:
        try:
            marketplace = selectors.organisation_by_slug(marketplace_slug)
        except ApplicationError as exc:
            _fail(f"--marketplace: {exc.message}")
        if marketplace.kind != OrganisationKind.MARKETPLACE:
            _fail(f"--marketplace: {marketplace_slug} is not a marketplace")
    screener, thresholds = screener_for(marketplace)
    where = str(marketplace.pk) if marketplace is not None else ""
    rejected = 0
    with source.open("rb") as binary, click.open_file(out_path, "w", encoding="utf-8") as out:
        checked = items_checked(file_records(binary, format="csv" if source.suffix.lower() == ".csv" else "jsonl"))
        # A chunk at a time: a file of any size is screened in the memory of 10,000 listings.
        while chunk := list(islice(checked, 10_000)):
            listings: list[Listing] = []
            for entry in chunk:
                if isinstance(entry, Rejected):
                    rejected += 1
                    for problem in entry.problems:
                        field = f" {problem.field}:" if problem.field else ""
                        click.echo(f"line {entry.position}:{field} {problem.message()}", err=True)
                else:
                    listings.append(entry.listing(where))
            for result in screener.screen(listings):
                row = {
                    "id": result.id,
                    "risk_score": result.risk_score,
                    "level": thresholds.level(result.risk_score),
                    "flags": [
                        {
                            "detector": flag.detector,
                            "matched_text": flag.matched_text,
                            "field": flag.field,
                            "start": flag.start,
                            "end": flag.end,
                            "how": flag.how,
                            "weight": flag.weight,
                            "right": {"office": flag.right.office, "number": flag.right.number, "mark": flag.right.text}
                            if flag.right
                            else None,
                            "explanation": flag.explanation,
                        }
                        for flag in result.flags
                    ],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    if rejected:
        sys.exit(2)


@main.group("credential")
def credential() -> None:
    """Signed credentials of right holders and agents: issue (operators) and verify (anyone)."""


@credential.command("issue")
@click.option("--org", "org_slug", required=True, help="The organisation (its id, the slug).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the token to a file.")
def credential_issue(org_slug: str, out_path: Path | None) -> None:
    """Sign a credential for a verified right holder or agent, as the instance's operators, and print it."""
    _setup()
    from ipbridge.accounts import selectors
    from ipbridge.core.errors import ApplicationError
    from ipbridge.identity import credentials

    operator = selectors.operator_organisation()
    if operator is None:
        _fail("this instance has no operator organisation (create one with `ipbridge create-org --kind operator`)")
    try:
        organisation = selectors.organisation_by_slug(org_slug)
        issued = credentials.credential_issue(actor=selectors.actor_for_system(operator), organisation=organisation)
    except ApplicationError as exc:
        _fail(f"{exc.field or 'input'}: {exc.message}")
    if out_path is not None:
        out_path.write_text(issued.token + "\n", encoding="utf-8")
        click.echo(f"credential {issued.jti} written to {out_path}, valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC")
    else:
        click.echo(issued.token)


@credential.command("verify")
@click.argument("token")
@click.option(
    "--jwks",
    "jwks_source",
    metavar="FILE_OR_URL",
    help="The issuer's published keys; by default fetched from the issuer named in the token.",
)
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for the instance.")
def credential_verify(token: str, jwks_source: str | None, timeout: float) -> None:
    """Verify a credential (the token, or a file holding it): its signature and dates offline, its revocation
    when the instance can be reached. Exits with 0 only when it is valid."""
    from ipbridge.engine import credentials

    try:
        if Path(token).is_file():
            token = Path(token).read_text(encoding="utf-8")
    except OSError:
        pass  # not a file name: the token itself
    result, checked = credentials.verify_online(token.strip(), jwks_source=jwks_source, timeout=timeout)
    if not result.valid:
        click.echo(f"invalid ({result.reason}): {result.detail}")
        sys.exit(1)
    claims = result.claims
    organisation = claims.get("organisation", {})
    click.echo(f"valid: {result.detail}")
    click.echo(
        f"  organisation: {organisation.get('name', '')} ({organisation.get('id', '')}, {organisation.get('kind', '')})"
    )
    for right in claims.get("rights", []):
        click.echo(
            f"  right: {right.get('office')} {right.get('number')} {right.get('mark', '')} — {right.get('proof')}"
        )
    for mandate in claims.get("mandates", []):
        principal = mandate.get("principal", {}).get("name", "")
        click.echo(
            f"  mandate from {principal}: {', '.join(mandate.get('actions', []))} until {mandate.get('valid_until')}"
        )
    if checked is None:
        click.echo("  revocation: not checked, the issuing instance could not be reached")
    elif checked:
        click.echo("  revocation: checked, not revoked")
    else:
        click.echo("  revocation: not checked, the credential names no status address")


@main.group("evidence")
def evidence() -> None:
    """The evidence vault: add a file, export a package, verify a package offline, check the log."""


@evidence.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation the evidence belongs to (its slug).")
@click.option("--name", default="", help="A name for the item (default: the file's name).")
@click.option("--note", "notes", default="", help="Notes on the item.")
@click.option("--url", "captured_url", default="", help="Where it was captured.")
@click.option("--marketplace", default="", help="The marketplace it was captured on (its slug).")
@click.option("--listing-id", default="", help="The marketplace's id of the listing.")
def evidence_add(
    file: Path, org_slug: str, name: str, notes: str, captured_url: str, marketplace: str, listing_id: str
) -> None:
    """Store FILE (streamed, by its SHA-256) as evidence of an organisation, log it, and print the new item's id."""
    _setup()
    from ipbridge.accounts import selectors
    from ipbridge.core.errors import ApplicationError
    from ipbridge.evidence import services

    try:
        organisation = selectors.organisation_by_slug(org_slug)
        with file.open("rb") as stream:
            item = services.evidence_add(
                actor=selectors.actor_for_system(organisation),
                name=name or file.name,
                upload=stream,
                captured_url=captured_url,
                marketplace=marketplace,
                listing_id=listing_id,
                notes=notes,
            )
    except ApplicationError as exc:
        _fail(f"{exc.field or 'input'}: {exc.message}")
    click.echo(item.pk)


@evidence.command("export")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", default="", help="Export as this organisation (default: the operators).")
def evidence_export(ids: tuple[int, ...], out_path: Path, org_slug: str) -> None:
    """Write an evidence package of the items IDS: files, manifest, leaves, proofs, signed tree head, keys."""
    _setup()
    from ipbridge.accounts import selectors
    from ipbridge.core.errors import ApplicationError
    from ipbridge.evidence import services

    organisation = selectors.organisation_by_slug(org_slug) if org_slug else selectors.operator_organisation()
    if organisation is None:
        _fail("this instance has no operator organisation; name one with --org")
    partial = out_path.with_name(out_path.name + ".partial")
    try:
        with partial.open("wb") as out:
            services.evidence_export(actor=selectors.actor_for_system(organisation), evidence_ids=ids, out=out)
    except ApplicationError as exc:
        partial.unlink(missing_ok=True)
        _fail(f"{exc.field or 'input'}: {exc.message}")
    partial.replace(out_path)
    click.echo(f"{len(set(ids))} item(s) written to {out_path}")


@evidence.command("verify")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jwks", "jwks_source", default=None, help="Trust only these keys (a JWKS file or its URL).")
@click.option(
    "--tsa-cert",
    "tsa_certs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust time-stamps signed by this certificate or its issuer (PEM or DER); repeatable.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every check that passed too.")
def evidence_verify(package: Path, jwks_source: str | None, tsa_certs: tuple[Path, ...], verbose: bool) -> None:
    """Check an evidence package offline: every file against its leaf, every leaf's inclusion proof, the signed
    tree head, and its time-stamp. Exits with 0 only when the package is intact."""
    from ipbridge.engine import credentials, evidence_package, timestamps

    keys = None
    if jwks_source:
        try:
            keys = credentials.jwks_load(jwks_source)
        except (OSError, ValueError) as exc:
            _fail(f"--jwks: {exc}")
    trusted = [path.read_bytes() for path in tsa_certs]

    def timestamp_check(token: bytes, data: bytes) -> str:
        check = timestamps.timestamp_verify(token, data, trusted=trusted)
        if not check.valid:
            return f"the time-stamp does not hold: {check.detail}"
        return ""

    report = evidence_package.package_verify(package, keys=keys, timestamp_check=timestamp_check)
    if verbose:
        for line in report.checks:
            click.echo(f"ok: {line}")
    for line in report.failures:
        click.echo(f"FAILED: {line}")
    if not report.ok:
        click.echo(f"{package}: NOT intact ({len(report.failures)} failure(s))")
        sys.exit(1)
    head = report.tree_head
    size = f" in a log of {head.size} leaves, root {head.root.hex()}" if head else ""
    click.echo(f"{package}: intact — {report.items} item(s){size}")


@evidence.command("check")
@click.option("--files", is_flag=True, help="Also read every stored file again and check its SHA-256.")
def evidence_check(files: bool) -> None:
    """Check the whole evidence log: rows against leaves, leaves against nodes, nodes against the signed tree
    heads. Exits with 0 only when nothing was altered."""
    _setup()
    from ipbridge.evidence import services

    run = services.log_check_run(files=files)
    for problem in run.problems:
        click.echo(f"FAILED: {problem}")
    click.echo(
        f"{run.size} leaves, {run.items} item(s), {run.custody_events} custody event(s), {run.heads} tree head(s)"
        + (f", {run.files} file(s)" if files else "")
        + (": intact" if run.ok else f": {len(run.problems)} problem(s)")
    )
    if not run.ok:
        sys.exit(1)


@main.group("intelligence")
def intelligence() -> None:
    """Private matching of infringers' identifiers against an IPBridge instance."""


@intelligence.command("match")
@click.argument("sellers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", "base_url", required=True, help="The instance, e.g. https://ipbridge.example.org")
@click.option("--key", "api_key", envvar="IPBRIDGE_API_KEY", required=True, help="A marketplace's API key.")
@click.option("--timeout", default=30.0, show_default=True)
def intelligence_match(sellers: Path, base_url: str, api_key: str, timeout: float) -> None:
    """Check SELLERS (a CSV of kind,value lines: business_licence, phone, email, payment_account, address,
    device, shop_url) against the instance's recorded infringers. The identifiers are blinded here and never sent:
    the instance sees only random-looking group elements and the finished keyed hashes. Prints the lines that
    match; exits 0 when none does, 1 when some do."""
    from ipbridge.engine import intelclient

    try:
        rows = intelclient.rows_read(sellers)
        matches = intelclient.match(rows, base_url=base_url, api_key=api_key, timeout=timeout)
    except intelclient.ClientError as exc:
        _fail(str(exc))
    for match in matches:
        click.echo(
            f"line {match.line}: {match.kind} {match.value} — recorded by {match.marketplaces} marketplace(s), "
            f"{match.cases} case(s), last {match.last_confirmed}"
        )
    click.echo(f"{len(rows)} identifier(s) checked, {len(matches)} match(es)")
    sys.exit(1 if matches else 0)


@main.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def worker(args: tuple[str, ...]) -> None:
    """Run a Celery worker (needs CELERY_BROKER_URL); extra arguments go to Celery."""
    _setup()
    from django.conf import settings

    from ipbridge.config.celery import app

    if not settings.CELERY_BROKER_URL:
        _fail("CELERY_BROKER_URL is not set: without a broker, jobs run inside the web process")
    app.worker_main(["worker", "--loglevel=INFO", *args])


@main.command("scheduler", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def scheduler(args: tuple[str, ...]) -> None:
    """Run Celery beat, which sends the scheduled jobs (deadlines) to the workers; run exactly one."""
    _setup()
    from django.conf import settings

    from ipbridge.config.celery import app

    if not settings.CELERY_BROKER_URL:
        _fail("CELERY_BROKER_URL is not set: without a broker, `ipbridge serve` runs the schedule itself")
    app.start(["beat", "--loglevel=INFO", *args])


@main.command("manage", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run any Django management command, e.g. `ipbridge manage migrate`."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ipbridge manage", *args])


if __name__ == "__main__":
    main()
