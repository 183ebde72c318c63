"""The thin Click layer: each command parses options, calls one library function, and turns
`PipelineError` into one clear paragraph and an exit code.

Exit codes: 0 all written; 1 some entries invalid (the valid ones still written);
2 usage, config or output folder error; 3 Notion or network failure (or a removal refused);
4 an unexpected error (a bug: nothing is committed).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import click
import httpx

from pipeline.cache import default_folder
from pipeline.config import Config, load_config, load_default_config, require_notion_id
from pipeline.errors import ConfigError, Interrupted, PipelineError
from pipeline.safe_text import escaped, json_text, redacted, token_problem
from pipeline.model import Problem, Severity
from pipeline.source import DEFAULT_BASE_URL, NotionSource, SourceOptions, make_client
from pipeline.site_sync import is_site, site_sources
from pipeline.sync import Report, Selection, check, sync

if TYPE_CHECKING:  # pipeline.site is imported by the commands that use it (it finds Hugo)
    from pipeline.preview import Step
    from pipeline.site import KitResult
    from pipeline.webhook import Watched

EPILOG = """\b
Environment:
  NOTION_TOKEN     the integration's secret (required unless --store is given)
  NOTION_BASE_URL  the API's address (default https://api.notion.com)
\b
Exit codes: 0 all written, 1 some entries invalid (the valid ones written),
2 usage, config or output folder error, 3 Notion or network failure (or a
removal refused), 4 an unexpected error (run with --verbose for the traceback)."""


def source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that reads Notion."""
    decorators = [
        click.option("--config", "config_path", type=click.Path(path_type=Path),
                     help="The pipeline's configuration file. [default: ./pipeline.toml, else the "
                          "project's own, which maps the Posts properties to the blog's front matter]"),
        click.option("--data-source", metavar="ID|URL",
                     help="Export the entries of this data source (or database) instead of the configured one."),
        click.option("--page", "pages", metavar="ID|URL", multiple=True,
                     help="Export this single page (repeatable); replaces the configured source."),
        click.option("--store", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Read a frozen Notion workspace (a store file) through the local API emulator "
                          "instead of Notion: no token needed. This is what `make demo` does."),
        click.option("--verbose", is_flag=True, help="On failure, show the traceback too."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


# Every secret of this process (the token), blanked out of anything printed.
_SECRETS: list[str] = []


def say(text: str, *, err: bool = False, nl: bool = True, keep_newlines: bool = True) -> None:
    """Print through the one door: the token redacted, control characters escaped."""
    click.echo(escaped(redacted(text, _SECRETS), keep_newlines=keep_newlines), err=err, nl=nl)


@contextlib.contextmanager
def notion_endpoint(store: Path | None) -> Iterator[tuple[str, str]]:
    """(base URL, token): the emulator serving a store file, or Notion itself. Both are checked
    before any request, and the token is never shown."""
    if store is not None:
        from notion_emulator import NotionEmulator, load_store

        token = "store-" + secrets.token_hex(8)
        with NotionEmulator(load_store(store), token=token) as emulator:
            yield emulator.base_url, token
        return
    token = os.environ.get("NOTION_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "NOTION_TOKEN is not set. Create an integration at notion.so/profile/integrations, share "
            "your Posts database with it, and export its secret: NOTION_TOKEN=ntn_… (or use --store FILE "
            "to read a frozen workspace)."
        )
    _SECRETS.append(token)
    problem = token_problem(token)
    if problem:
        raise ConfigError(f"{problem}: copy the Internal Integration Secret again (notion.so/profile/integrations).")
    yield base_url_from_environment(), token


def base_url_from_environment(variable: str = "NOTION_BASE_URL", default: str = DEFAULT_BASE_URL,
                              service: str = "Notion") -> str:
    base_url = os.environ.get(variable, "").strip() or default
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as error:
        raise ConfigError(f"{variable} {base_url!r} is not a URL ({error}); unset it to reach {service}.") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"{variable} {base_url!r} is not an http(s) URL with a host; unset it to reach {service}.")
    return base_url


def run_guarded(verbose: bool, action: Callable[[], int]) -> None:
    """The one error boundary: the tool's input (config, environment, output folder) exits 2,
    Notion or the network 3, anything unexpected 4 in one line. Never a bare traceback, never
    exit 1 (which means "entries rejected": the Action commits the valid posts on 1)."""
    try:
        code = action()
    except PipelineError as error:
        _fail(verbose, str(error), error.exit_code)
    except OSError as error:
        # A folder that cannot be written, a file that cannot be read: the operator's to fix.
        _fail(verbose, str(error), 2)
    except Exception as error:  # noqa: BLE001 - the boundary: every other error is a bug
        _fail(verbose, escaped(f"unexpected {type(error).__name__}: {error}") + ". Nothing more was written; "
              "run with --verbose for the traceback, and report it.", 4)
    except KeyboardInterrupt:
        # Click would say "Aborted!" and exit 1, which the Action reads as "entries rejected".
        _fail(verbose, "interrupted; files already replaced are whole, the rest as before.", 130)
    sys.exit(code)


def _fail(verbose: bool, message: str, code: int) -> None:
    if verbose:
        say(traceback.format_exc(), err=True, nl=False)
    say(f"Error: {message}", err=True)
    sys.exit(code)


def format_problems(problems: list[Problem]) -> str:
    """Two lines a problem; whatever Notion put in a title or URL stays on its line."""
    lines = []
    for problem in problems:
        title, url, where, message = (escaped(text) for text in (problem.entry_title, problem.entry_url,
                                                                  problem.where, problem.message))
        lines.append(f"{problem.severity}: {title}" + (f" ({url})" if url else ""))
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def markdown_report(report: Report, failures: Sequence[tuple[str, str]] = ()) -> str:
    """The report for a job summary (GitHub renders it): what Notion says is shown as text,
    never as Markdown, HTML or a live link, on one line. `failures`: sources not synced."""
    lines = ["## Notion sync", ""]
    exported = len(report.change.written) + len(report.change.unchanged)
    lines.append(f"{exported} posts exported ({len(report.change.written)} changed), {len(report.rejected)} entries rejected"
                 + (f", {len(failures)} sources failed." if failures else "."))
    problems = report.problems + [Problem(severity=Severity.ERROR, entry_title=f"source {name}", entry_url="", where="the source",
                                          message=why) for name, why in failures]
    if problems:
        lines += ["", "| | Entry | Where | What to do |", "|---|---|---|---|"]
        for p in problems:
            title = summary_text(p.entry_title)
            entry = f"[{title}]({p.entry_url})" if _NOTION_PAGE.fullmatch(p.entry_url or "") else title
            lines.append(f"| {p.severity} | {entry} | {summary_text(p.where)} | {summary_text(p.message)} |")
    return "\n".join(lines) + "\n"


# The entry link a job summary may show: a Notion page URL, nothing an answer could smuggle in.
_NOTION_PAGE = re.compile(r"https://www\.notion\.so/[0-9A-Za-z-]+")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+!|~<>])")


def summary_text(text: str) -> str:
    """Text for a Markdown table cell: control characters and line breaks escaped, HTML's
    specials as entities, Markdown's punctuation backslashed (so nothing becomes markup)."""
    flat = escaped(redacted(text, _SECRETS))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(flat, quote=False))


class Progress:
    """Counts on stderr while Notion is read: shown on a terminal, silent otherwise unless asked."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.counts = {"entries": 0, "blocks": 0, "waiting": 0}
        self.lock = threading.Lock()

    def __call__(self, event: str, n: int) -> None:
        with self.lock:  # called from the fetching threads
            self.counts[event] = self.counts.get(event, 0) + n
            if self.enabled:
                c = self.counts
                click.echo(f"\rread {c['entries']} entries, {c['blocks']} blocks; "
                           f"{c['waiting']} requests waiting on Notion's rate limit  ", nl=False, err=True)

    def done(self) -> None:
        if self.enabled and any(self.counts.values()):
            click.echo("", err=True)


@click.group(epilog=EPILOG)
@click.version_option(package_name="notion-hugo-pipeline")
def main() -> None:
    """Keep a Notion data source as the editing source of a Hugo blog.

    \b
    Quick start:
      notion-hugo sync --store data/kubernetes-learning-path.json   # offline demo
      NOTION_TOKEN=ntn_… notion-hugo sync                           # the real thing
    """




def source_options_for(config: Config, base_url: str) -> SourceOptions:
    """The source's options from pipeline.toml; what it leaves out keeps the source's default."""
    default = SourceOptions()
    return SourceOptions(base_url=base_url, limits=config.limits, rate=default.rate if config.rate is None else config.rate,
                         burst=default.burst if config.burst is None else config.burst, notion_version=config.notion_version)


def _config(path: Path | None) -> Config:
    """The named config; without one, ./pipeline.toml, or the project's own default mapping
    (so `sync --data-source ID` works from any folder)."""
    if path is None:
        path = Path("pipeline.toml")
        if not path.exists():
            click.echo("no ./pipeline.toml: using the default mapping (`notion-hugo init` writes your own)", err=True)
            return load_default_config()
    return load_config(path)


def _selection(config: Config, data_source: str | None, pages: tuple[str, ...], store: Path | None,
               entries: tuple[str, ...] = ()) -> Selection:
    """What to read: the options, else the config; a store file holding one data source needs neither."""
    selection = Selection.from_config(config, data_source, pages)
    if selection.data_source is None and not selection.pages and store is not None:
        from notion_emulator import load_store

        held = list(load_store(store).get("data_sources", {}))
        if len(held) == 1:
            selection = Selection.from_config(config, held[0])
    if selection.data_source is None and not selection.pages:
        raise ConfigError("no data source to read: set notion.data_source in pipeline.toml (`notion-hugo init "
                          "DATABASE_URL` writes the file), or pass --data-source or --page.")
    if entries and pages:
        raise ConfigError("--entry names entries of the data source (or pages of notion.pages) and cannot be combined "
                          "with --page: name each page with --entry instead.")
    if entries:
        return Selection.from_config(config, selection.data_source, selection.pages, entries)
    return selection


@main.command("sync", epilog=EPILOG)
@source_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the page bundles go: <out>/<slug>/index.md. Its folder name is the Hugo section. "
                   "[default: pipeline.toml's [output] dir, else output/content/posts]")
@click.option("--dry-run", is_flag=True, help="Show what would be written and removed; write nothing.")
@click.option("--force", is_flag=True,
              help="Fetch and rebuild every entry, even those unchanged since the last sync.")
@click.option("--report-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the validation report as Markdown to this file (e.g. $GITHUB_STEP_SUMMARY).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the report.")
@click.option("--progress/--no-progress", default=None, help="Show progress (default: only on a terminal).")
@click.option("--entry", "entries", metavar="ID|URL", multiple=True,
              help="Sync only this entry of the data source (repeatable): published, it is read and written; "
                   "unpublished, trashed or deleted, its bundle goes. Other posts are left as they are, and only "
                   "these entries are requested (what a webhook-triggered run does). With [[sources]], each in the "
                   "source that holds it (a page of a page tree: that tree, incrementally); no other source is read.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the block trees fetched here, so that a rendering change (a rule, [render], an upgrade) "
                   "re-renders unedited posts without fetching them again. A new or empty folder (tagged "
                   "CACHEDIR.TAG); one holding other files is not used. [default: $NOTION_HUGO_CACHE, else "
                   "$XDG_CACHE_HOME/notion-hugo, else ~/.cache/notion-hugo]")
@click.option("--no-cache", is_flag=True, help="Neither read nor keep fetched block trees.")
@click.option("--allow-removal", is_flag=True,
              help="Remove the bundles of entries gone from Notion even when they are more than "
                   "[limits] max_removed_share of the posts (by default such a run stops, exit 3).")
def sync_command(config_path: Path | None, data_source: str | None, pages: tuple[str, ...], store: Path | None,
                 verbose: bool, out_dir: Path, dry_run: bool, force: bool, report_file: Path | None, fmt: str,
                 progress: bool | None, entries: tuple[str, ...], cache_dir: Path | None, no_cache: bool,
                 allow_removal: bool) -> None:
    """Export every published entry as a Hugo page bundle.

    Reads the Posts data source named in pipeline.toml (or --data-source / --page), checks
    every entry against schema/post.schema.json, and writes <out>/<slug>/index.md for each
    valid one. Invalid entries are reported with their Notion URL and the property to fix;
    their earlier output is left as it was. Files are replaced atomically.

    Incremental: only entries edited since the last sync are fetched (the manifest
    .notion-hugo.json in OUT remembers what was written); entries no longer published lose
    their bundle. Only files the pipeline wrote are ever removed. With --entry, only the
    named entries are read: the workflow does this when a webhook says which pages changed.
    """

    def action() -> int:
        config = _config(config_path)
        meter = Progress(sys.stderr.isatty() if progress is None else progress)
        if is_site(config) and not (data_source or pages):
            return sync_whole_site(config, store, out_dir, entries, dry_run, force, allow_removal, meter, fmt, report_file,
                                   None if no_cache else cache_dir or default_folder())
        out = out_dir or Path(config.output_dir or "output/content/posts")
        selection = _selection(config, data_source, pages, store, entries)
        with notion_endpoint(store) as (base_url, token):
            report = sync(config, selection, token=token, out_dir=out,
                          options=source_options_for(config, base_url), dry_run=dry_run, force=force,
                          allow_removal=allow_removal, progress=meter,
                          cache_dir=None if no_cache else cache_dir or default_folder())
        meter.done()
        emit(report, fmt, dry_run, out)
        if report_file is not None:
            with report_file.open("a", encoding="utf-8") as handle:
                handle.write(markdown_report(report))
        return report.exit_code

    run_guarded(verbose, action)


def sync_whole_site(config: Config, store: Path | None, out_dir: Path | None, entries: tuple[str, ...], dry_run: bool,
                    force: bool, allow_removal: bool, meter: Progress, fmt: str, report_file: Path | None,
                    cache_dir: Path | None) -> int:
    """`sync` of a pipeline.toml with [[sources]] or [languages]: every source into its section."""
    from pipeline.site_sync import content_folder, sync_site

    if out_dir is not None and out_dir.resolve() != content_folder(config).resolve():  # the Action's `output: content`
        raise ConfigError("--out names one posts folder, and pipeline.toml describes a site: each source writes its "
                          "section of [site] content. Leave --out out (or pass --data-source or --page with it to sync "
                          "one source into one folder).")
    with notion_endpoint(store) as (base_url, token):
        site = sync_site(config, token=token, options=source_options_for(config, base_url), dry_run=dry_run,
                         force=force, allow_removal=allow_removal, progress=meter, cache_dir=cache_dir, entries=entries)
    meter.done()
    report = site.combined()
    failures = [(run.source.name, str(run.error)) for run in site.failed]
    emit(report, fmt, dry_run, site.content_dir, failures)
    if report_file is not None:
        with report_file.open("a", encoding="utf-8") as handle:
            handle.write(markdown_report(report, failures))
    return site.exit_code


def page_path(out_dir: Path, label: str) -> Path:
    """The page file of a post, from how a run names it (`bundle.post_label`)."""
    return out_dir / label if label.endswith(".md") else out_dir / label / "index.md"


def emit(report: Report, fmt: str, dry_run: bool, out_dir: Path, failures: list[tuple[str, str]] | None = None) -> None:
    """The report of a run; `failures`: (source, why) of a whole-site run's sources that wrote nothing."""
    if fmt == "json":
        result: dict[str, Any] = {
            "written": report.change.written, "unchanged": report.change.unchanged,
            "removed": report.change.removed, "left": report.change.left, "rejected": report.rejected,
            "relinked": report.relinked,
            "problems": [p.as_dict() for p in report.problems], "dry_run": dry_run,
        }
        if failures is not None:
            result["failed"] = [{"source": name, "message": why} for name, why in failures]
        say(json_text(result))
        return
    verb = "would write" if dry_run else "wrote"
    for label in report.change.written:
        say(f"{verb} {page_path(out_dir, label)}", keep_newlines=False)
    for path in report.change.removed:
        say(f"{'would remove' if dry_run else 'removed'} {out_dir / path}", keep_newlines=False)
    for reason in report.change.left:
        say(f"left {reason}", err=True, keep_newlines=False)
    if report.relinked:
        say(f"{'would write' if dry_run else 'wrote'} {len(report.relinked)} of these for their links to a named page that "
            "moved, was renamed or went (a link to its old address would fail Hugo's build).", err=True)
    if report.problems:
        say(format_problems(report.problems), err=True)
    for name, why in failures or ():
        say(f"error: source {name} was not synced, and nothing of it was written or removed: {why}", err=True)
    say(
        f"{len(report.change.written) + len(report.change.unchanged)} posts ({len(report.change.written)} changed, "
        f"{len(report.change.unchanged)} unchanged), "
        f"{len(report.change.removed)} files removed, {len(report.rejected)} entries rejected"
        + (f", {len(failures)} sources failed." if failures else "."),
        err=True,
    )


@main.command(epilog=EPILOG)
@source_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for machines.")
def validate(config_path: Path | None, data_source: str | None, pages: tuple[str, ...], store: Path | None,
             verbose: bool, fmt: str) -> None:
    """Check every entry without writing anything.

    Each problem names the entry, its Notion URL, the property or block, and what to do.
    Exit 1 when an entry would be rejected, 0 when there are warnings only.
    """

    def action() -> int:
        config = _config(config_path)
        failures: list[tuple[str, str]] | None = None
        with notion_endpoint(store) as (base_url, token):
            if is_site(config) and not (data_source or pages):
                from pipeline.site_sync import check_site

                site = check_site(config, token=token, options=source_options_for(config, base_url))
                report, code = site.combined(), site.exit_code
                failures = [(run.source.name, str(run.error)) for run in site.failed]
            else:
                selection = _selection(config, data_source, pages, store)
                report = check(config, selection, token=token, options=source_options_for(config, base_url))
                code = report.exit_code
        if fmt == "json":
            result: dict[str, Any] = {"valid": len(report.posts), "rejected": report.rejected,
                                      "problems": [p.as_dict() for p in report.problems]}
            if failures is not None:
                result["failed"] = [{"source": name, "message": why} for name, why in failures]
            say(json_text(result))
        else:
            if report.problems:
                say(format_problems(report.problems))
            for name, why in failures or ():
                say(f"error: source {name} could not be checked: {why}", err=True)
            warnings = len(report.problems) - len(report.errors)
            click.echo(f"{len(report.posts) + len(report.rejected)} entries checked: {len(report.posts)} valid, "
                       f"{len(report.rejected)} rejected, {warnings} warnings.")
        return code

    run_guarded(verbose, action)


@main.command(epilog=EPILOG)
@click.argument("data_source", metavar="DATA_SOURCE")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The Hugo site to set up (hugo.toml, config.toml, hugo.yaml or a config/ folder).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the proposal. [default: pipeline.toml in the site]")
@click.option("--workflow/--no-workflow", default=True, show_default=True,
              help="In a Hugo site, also write .github/workflows/notion-sync.yml, which syncs through the reusable Action.")
@click.option("--site-kit/--no-site-kit", "with_kit", default=True, show_default=True,
              help="In a Hugo site, also apply the site kit (see `site-kit`).")
@click.option("--force", is_flag=True, help="Overwrite files that exist (never the site's posts).")
@click.option("--store", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the data source from a store file through the local emulator.")
@click.option("--section", metavar="FOLDER",
              help="Add DATA_SOURCE to the existing pipeline.toml as a [[sources]] table filling this section of the "
                   "site's content folder (e.g. docs), and write nothing else. DATA_SOURCE may then be a page too: "
                   "the root of a page tree, whose sub-pages become the section's pages.")
@click.option("--language", metavar="CODE",
              help="With --section: the language of every page of the source (one of [languages] codes).")
@click.option("--from-posts", "from_posts", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Propose the front matter from the posts in this folder: a property for each key they use, its "
                   "type inferred, and a 'Front matter' property holding, as YAML, the keys no property can.")
@click.option("--create-properties", is_flag=True,
              help="With --from-posts: create the properties the data source lacks (it changes the data source's "
                   "properties; without this flag, init only lists them).")
@click.option("--verbose", is_flag=True, help="On failure, show the traceback too.")
def init(data_source: str, site_dir: Path, config_path: Path | None, workflow: bool, with_kit: bool, force: bool,
         store: Path | None, section: str | None, language: str | None, from_posts: Path | None,
         create_properties: bool, verbose: bool) -> None:
    """Set up notion-hugo: write a pipeline.toml mapping DATA_SOURCE's properties to front matter.

    DATA_SOURCE is the id or URL of the Posts data source or of its database. Properties are
    matched to the blog's front matter keys by name and type; check the result, then run
    `validate`.

    Run from a Hugo site's root (or name it with --site), init also makes the site's posts
    folder the default output, writes the workflow that syncs hourly through the reusable
    Action, and applies the site kit. It writes nothing into the posts folder, and replaces no
    file without --force.

    With --section, init adds a source to the site's pipeline.toml instead: a data source, or a
    page whose sub-pages (to any depth) become the pages of that section; the file's text is
    kept, the new [[sources]] table appended after it.

    With --from-posts DIR (a blog moving into Notion), the mapping follows the posts already
    there: each front matter key they use gets a property of the type its values have, and a
    key no property type fits (a map, a list of lists) is kept in a 'Front matter' rich text
    property, as YAML; `import` fills them and `sync` writes every key back. The properties the
    data source lacks are listed; --create-properties creates them.
    """
    from pipeline.scaffold import WORKFLOW, add_source, apply_init, create_properties_in, plan_from_posts, plan_init

    def action() -> int:
        if language and not section:
            raise ConfigError("--language is the language of a source that --section adds: give --section too.")
        if section:
            path = config_path or site_dir / "pipeline.toml"
            if not path.exists():
                raise ConfigError(f"{path}: no such file to add a source to. Write it first with `notion-hugo init "
                                  "DATA_SOURCE` (the posts), then add the other sources with --section.")
            source_id = require_notion_id(data_source, "Source")
            with notion_endpoint(store) as (base_url, token):
                options = SourceOptions(base_url=base_url)
                client = make_client(token, options)
                try:
                    kind, found_id, found = NotionSource(client, options).data_source_or_page(source_id)
                finally:
                    client.close()
            add_source(path, kind, found_id, found, section, language or "")
            what = "the page tree" if kind == "page" else "the data source"
            click.echo(f"added {what} {found_id} to {path} as section {section!r}: check it, then run "
                       "`notion-hugo sync --dry-run`.")
            return 0
        source_id = require_notion_id(data_source, "Data source")
        if create_properties and from_posts is None:
            raise ConfigError("--create-properties creates the properties --from-posts proposes: give --from-posts DIR.")
        # Everything but pipeline.toml is checked before Notion is asked, and nothing is written before it is.
        plan = plan_init(site_dir, config_path or site_dir / "pipeline.toml", workflow=workflow, with_kit=with_kit,
                         force=force)
        proposal = None
        with notion_endpoint(store) as (base_url, token):
            options = SourceOptions(base_url=base_url)
            client = make_client(token, options)
            try:
                source = NotionSource(client, options)
                found_id, found = source.data_source(source_id)
                if from_posts is not None:
                    proposal = plan_from_posts([from_posts], found, from_posts.absolute().name)
                    if create_properties and proposal.create:
                        create_properties_in(client, found_id, proposal)
                        found_id, found = source.data_source(found_id)
                        report_created(proposal)
                        proposal = plan_from_posts([from_posts], found, from_posts.absolute().name)
            finally:
                client.close()
        kit = apply_init(plan, found_id, found, proposal)
        if proposal is not None:
            report_proposal(proposal)
        click.echo(f"wrote {plan.config}: check the mapping, then run `notion-hugo validate`.")
        if not plan.output:
            click.echo(f"{site_dir} is not a Hugo site (no hugo.toml, config.toml, hugo.yaml… nor config/): "
                       "pass sync --out, or run init again from the site's root.")
            return 0
        click.echo(f"the posts go to {site_dir / plan.output} (pipeline.toml's [output] dir); the posts there now are left as they are.")
        if plan.workflow_kept:
            click.echo(f"note: {plan.workflow_kept} exists and was left as it is (--force replaces it).")
        elif plan.workflow:
            click.echo(f"wrote {site_dir / WORKFLOW}: add the repository secret NOTION_TOKEN for it.")
        if kit:
            report_kit(kit)
        click.echo("next: NOTION_TOKEN=ntn_… notion-hugo sync, then build the site with Hugo.")
        return 0

    run_guarded(verbose, action)


def report_created(proposal: Any) -> None:
    for name, kind in proposal.create.items():
        click.echo(f"created the property {name!r} ({kind.replace('_', ' ')}) in the data source")


def report_proposal(proposal: Any) -> None:
    """Where each front matter key of the posts goes, and what is still missing."""
    click.echo(f"the front matter of {proposal.posts} posts:")
    for row in proposal.keys:
        where = ("the status (draft)" if row.derived else
                 f"{row.property!r} ({row.kind.replace('_', ' ')}{'' if row.exists else ', missing'})" if row.kind
                 else f"'Front matter' (YAML: {row.why})")
        say(f"  {row.key} ({row.posts} posts) → {where}", keep_newlines=False)
    for line in proposal.unreadable:
        say(f"  not read: {line}", keep_newlines=False)
    if proposal.create:
        names = ", ".join(f"{name!r} ({kind.replace('_', ' ')})" for name, kind in proposal.create.items())
        click.echo(f"the data source lacks {names}: pipeline.toml leaves them out (their keys would be dropped by "
                   "import). Run init again with --create-properties --force to create them.")


def report_kit(result: KitResult) -> None:
    """What installing the site kit wrote, noted and found in conflict with the site's config."""
    for path in result.written:
        click.echo(f"wrote {path}")
    for note in result.notes:
        click.echo(f"note: {note}")
    for change in result.changes:
        click.echo(f"change: {change}")
    for conflict in result.conflicts:
        click.echo(f"{'error' if conflict.wins else 'warning'}: {conflict}", err=True)


@main.command("preview", epilog=EPILOG)
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The Hugo site to preview; only read, never written.")
@click.option("--port", type=click.IntRange(0, 65535), default=1313, show_default=True,
              help="The port to serve on, on 127.0.0.1; 0 picks a free one.")
@click.option("--poll", type=click.FloatRange(0.5, 3600), default=2.0, show_default=True,
              help="Seconds between two looks at Notion (one query each while nothing changes).")
@click.option("--drafts/--no-drafts", default=True, show_default=True,
              help="Show Draft entries too (Hugo builds drafts).")
@click.option("--hugo", "hugo_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The Hugo binary to run. [default: the `hugo` package's, else hugo on PATH]")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="The pipeline's configuration file. [default: pipeline.toml in the site, else ./pipeline.toml, "
                   "else the project's own]")
@click.option("--data-source", metavar="ID|URL", help="Preview this data source (or database) instead of the configured one.")
@click.option("--store", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read a store file through the local API emulator instead of Notion (no token).")
@click.option("--verbose", is_flag=True, help="Show all of Hugo's messages, and the traceback on failure.")
def preview_command(site_dir: Path, port: int, poll: float, drafts: bool, hugo_path: Path | None,
                    config_path: Path | None, data_source: str | None, store: Path | None, verbose: bool) -> None:
    """Serve the site as the blog will show it, with the Notion posts as they are now.

    Runs Hugo's own server (LiveReload) on 127.0.0.1 over the site, with the posts synced from
    Notion into a temporary folder mounted over the site's posts section (with [[sources]] in
    pipeline.toml: every data source, each over its own section). Prints the address
    first, then looks at Notion every --poll seconds and re-renders the entries that changed:
    the browser refreshes itself. New entries appear, trashed or unpublished ones disappear,
    and an invalid one shows its problems here and on the page where its post would be.

    The site's files (content/, the manifest) are never written; Ctrl+C stops Hugo and removes
    the temporary folder (exit 0). A second preview of the same site says where the first one
    runs, and exits 2.
    """
    import signal

    from pipeline import preview

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # a terminated preview stops as on Ctrl+C, cleaning up

    def action() -> int:
        in_site = site_dir / "pipeline.toml"
        config = _config(config_path or (in_site if in_site.is_file() else None))
        # A whole site: every data source of [[sources]], each in its section (None); else the one.
        selection = None if is_site(config) and not data_source else _selection(config, data_source, (), store)
        if selection is not None and selection.pages:
            say("note: the single pages pipeline.toml names are not previewed, only its data source.", err=True)
        if selection is None and any(source.root or source.pages for source in site_sources(config)):
            say("note: preview follows the data sources of pipeline.toml; its page trees and single pages show as "
                "last synced.", err=True)
        previous = signal.signal(signal.SIGTERM, stop)
        try:
            with notion_endpoint(store) as (base_url, token):
                preview.run(preview.Settings(site_dir, port, poll, drafts, hugo_path), config, selection, token=token,
                            options=source_options_for(config, base_url), on_ready=announce, on_step=report_step,
                            on_hugo=hugo_line)
        except KeyboardInterrupt:
            say("preview stopped; the site is as it was.", err=True)
        finally:
            signal.signal(signal.SIGTERM, previous)
        return 0

    def hugo_line(line: str) -> None:
        if verbose or re.match(r"\s*(ERROR|WARN)", line):
            say(f"hugo: {line}", err=True, keep_newlines=False)

    def announce(address: str) -> None:
        click.echo(address)  # the first line: what to open
        sys.stdout.flush()
        say(f"serving {site_dir} at {address} with Notion's posts; looking at Notion every {poll:g} s. "
            "Ctrl+C stops.", err=True)

    run_guarded(verbose, action)


def report_step(step: Step) -> None:
    """One line for each post the preview changed, and each new problem (as `sync` shows them)."""
    for slug in step.written:
        say(f"updated {slug}", keep_newlines=False)
    for slug in step.removed:
        say(f"removed {slug}", keep_newlines=False)
    if step.problems:
        say(format_problems(step.problems), err=True)
    if step.error:
        say(f"error: {step.error} (trying again at the next poll)", err=True)
    sys.stdout.flush()


@main.command("site-kit")
@click.argument("site_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace kit files that differ from the kit, and let the kit's render hooks hide the theme's.")
@click.option("--verbose", is_flag=True, help="On failure, show the traceback too.")
def site_kit_command(site_dir: Path, force: bool, verbose: bool) -> None:
    """Put what the exported posts need into the Hugo site at SITE_DIR.

    Writes the render hooks for mermaid diagrams and equations, the head partial that loads
    mermaid and KaTeX on exactly the pages that have them (pinned versions with SRI hashes;
    params.notion_hugo.vendor serves your own copy), the stylesheet for callouts, toggles,
    columns and tables, and the notion-hugo/* shortcodes. On PaperMod nothing is left to edit.

    The posts are written for what the site's Goldmark reads already ([render] html, math and
    callouts in SITE_DIR/pipeline.toml, else what `init` would propose): the kit adds a setting
    (config/_default/markup.toml, which Hugo merges over the site's config) or an optional hook
    only where the site lacks it, and prints each one with the places in existing posts it
    changes ("change: ...").

    Each line of the site's config that contradicts those settings is reported by file (relative
    to SITE_DIR) and line; exit 2 when one of them wins over the kit's (an environment's or a language's file).

    A template of the site's or its theme's that Hugo would read in place of the kit's (or that
    the kit's would hide: layouts/_markup/, _partials/ and the older paths alike) stops it with
    exit 2 before anything is written, naming the file and the line that makes it do the kit's
    part. Nothing is written outside SITE_DIR or through a symbolic link.
    """
    from pipeline.site import install_kit

    def action() -> int:
        # A file in the way is an OSError, a missing folder FileNotFoundError: both exit 2.
        result = install_kit(site_dir, force=force)
        report_kit(result)
        if result.blocking:
            return 2
        click.echo(f"{site_dir} is ready for the posts: build it with Hugo.")
        return 0

    run_guarded(verbose, action)


@main.command("build-site")
@click.argument("site_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--destination", type=click.Path(file_okay=False, path_type=Path), default=Path("build/public"),
              show_default=True, help="Where Hugo writes the HTML.")
@click.option("--content-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Build this content folder instead of the site's own (the demo's posts live outside output/).")
@click.option("--verbose", is_flag=True, help="On failure, show the traceback too.")
def build_site_command(site_dir: Path, destination: Path, content_dir: Path | None, verbose: bool) -> None:
    """Build a Hugo site with the Hugo binary from the `hugo` Python package (the demo uses it)."""
    from pipeline.site import build_site

    def action() -> int:
        try:
            build_site(site_dir, destination, content_dir)
        except RuntimeError as error:  # Hugo refused the site: the site is the input to fix
            raise PipelineError(str(error)) from error
        click.echo(f"built {site_dir} into {destination}")
        return 0

    run_guarded(verbose, action)


WEBHOOK_EPILOG = """\b
Environment:
  GITHUB_TOKEN          may dispatch on the repository (a fine-grained token with
                        Contents: read and write on it); required
  NOTION_WEBHOOK_TOKEN  the subscription's verification token; unset, the server
                        shows the one Notion sends, and refuses every event
  GITHUB_REPOSITORY     OWNER/REPO, when --repo is not given
  NOTION_DATA_SOURCE    the data source, when --data-source is not given
  GITHUB_API_URL        GitHub's API (default https://api.github.com)
\b
Exit codes: 0 stopped (SIGINT or SIGTERM), 2 usage or config error,
4 an unexpected error (run with --verbose for the traceback)."""


@main.command("webhook", epilog=WEBHOOK_EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (0.0.0.0 in a container).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="The port; 0 picks a free one.")
@click.option("--repo", metavar="OWNER/REPO", envvar="GITHUB_REPOSITORY",
              help="The blog's repository: its workflow syncs the pages a dispatch names. [env GITHUB_REPOSITORY]")
@click.option("--debounce", type=click.FloatRange(0, 3600), default=5.0, show_default=True, metavar="SECONDS",
              help="Dispatch once no event has come for this long: a burst of edits is one sync.")
@click.option("--max-wait", type=click.FloatRange(0, 86400), default=60.0, show_default=True, metavar="SECONDS",
              help="Dispatch at the latest this long after the first waiting event, even while events keep coming.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The pipeline's configuration file, read as `sync` reads it: only events for pages of its data "
                   "source (or its single pages) count; with [[sources]], of every data source and page tree. "
                   "[default: ./pipeline.toml]")
@click.option("--data-source", metavar="ID|URL", envvar="NOTION_DATA_SOURCE",
              help="Count the events of this data source (or database) instead of the configured one. "
                   "[env NOTION_DATA_SOURCE]")
@click.option("--verbose", is_flag=True, help="On failure, show the traceback too.")
def webhook_command(host: str, port: int, repo: str | None, debounce: float, max_wait: float, config_path: Path | None,
                    data_source: str | None, verbose: bool) -> None:
    """Receive Notion's webhooks and publish each edit through the blog's workflow.

    Listens on HOST:PORT (its address is the first line printed) for the events of a Notion
    webhook subscription. Every event must be signed with the subscription's verification
    token, else it is refused (401). Events for pages of the configured data source are
    coalesced for --debounce seconds, then one repository_dispatch (type notion-hugo, the page
    ids in client_payload.pages) asks the repository's workflow to sync just those pages; other
    events are answered and ignored. It holds no Notion token and reads no content.

    First run: start it without NOTION_WEBHOOK_TOKEN and create the subscription with its
    public https URL; it shows the verification token Notion sends. Paste that into Notion, set
    NOTION_WEBHOOK_TOKEN to it and restart. SIGINT or SIGTERM stops it after dispatching what is
    waiting.
    """
    from pipeline.webhook import GitHub, Settings, repo_name, serve

    def action() -> int:
        config = _config(config_path)
        watched = watched_pages(config, data_source)
        if not repo:
            raise ConfigError("no repository to dispatch to: pass --repo OWNER/REPO (or set GITHUB_REPOSITORY).")
        repository = repo_name(repo)
        if repository is None:
            raise ConfigError(f"--repo {escaped(repo)!r} is not OWNER/REPO as GitHub names a repository.")
        if max_wait < debounce:
            raise ConfigError(f"--max-wait ({max_wait:g} s) is shorter than --debounce ({debounce:g} s).")
        tokens: dict[str, str | None] = {}
        for variable in ("GITHUB_TOKEN", "NOTION_WEBHOOK_TOKEN"):
            given = os.environ.get(variable, "").strip()
            tokens[variable] = given or None
            if given:
                _SECRETS.append(given)
                problem = token_problem(given, variable)
                if problem:
                    raise ConfigError(f"{problem}: copy it again.")
        github_token = tokens["GITHUB_TOKEN"]
        if github_token is None:
            raise ConfigError(f"GITHUB_TOKEN is not set: create a fine-grained token with Contents: read and write on "
                              f"{repo} (github.com/settings/personal-access-tokens) and export it.")
        github = GitHub(repository, github_token,
                        base_url_from_environment("GITHUB_API_URL", "https://api.github.com", "GitHub"))
        settings = Settings(host=host, port=port, watched=watched,
                            github=github, notion_token=tokens["NOTION_WEBHOOK_TOKEN"], debounce=debounce,
                            max_wait=max_wait)

        def announce(address: str) -> None:
            click.echo(f"listening on {address}")
            sys.stdout.flush()

        serve(settings, lambda text: say(text, err=True, keep_newlines=False), announce)
        return 0

    run_guarded(verbose, action)


def watched_pages(config: Config, data_source: str | None) -> Watched:
    """The pages whose webhook events count: the data source named, else every source of
    pipeline.toml ([notion]'s, and with [[sources]] each data source and page tree)."""
    from pipeline.site_sync import site_sources
    from pipeline.webhook import Watched, WatchedTree  # noqa: F811 - the class itself, at run time

    if is_site(config) and not data_source:
        sources = site_sources(config)
        return Watched(frozenset(s.data_source for s in sources if s.data_source),
                       frozenset(page for s in sources for page in s.pages),
                       tuple(WatchedTree(s.root, s.out_dir, s.manifest) for s in sources if s.root))
    selection = Selection.from_config(config, data_source, ())
    if selection.data_source is None and not selection.pages:
        raise ConfigError("no data source to watch: set notion.data_source in pipeline.toml, or pass --data-source "
                          "(or NOTION_DATA_SOURCE).")
    return Watched(frozenset({selection.data_source} if selection.data_source else ()), frozenset(selection.pages))


@main.command("import", epilog=EPILOG)
@click.argument("paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="The pipeline's configuration file, whose mapping is read in reverse. [default: ./pipeline.toml, "
                   "else the project's own]")
@click.option("--data-source", metavar="ID|URL", help="Import into this data source (or database) instead of the configured one.")
@click.option("--store", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Plan the import against a store file served by the local API emulator (with --dry-run only: "
                   "the emulator keeps nothing).")
@click.option("--update", is_flag=True, help="Replace the properties and content of entries that already exist.")
@click.option("--dry-run", is_flag=True, help="Show what would be created or updated, and what Notion cannot hold; write nothing.")
@click.option("--section", default="posts", show_default=True,
              help="The Hugo section of the posts: links to /SECTION/<slug>/ become links to the imported entries.")
@click.option("--verbose", is_flag=True, help="On failure, show the traceback too.")
def import_command(paths: tuple[Path, ...], config_path: Path | None, data_source: str | None, store: Path | None,
                   update: bool, dry_run: bool, section: str, verbose: bool) -> None:
    """Turn existing Hugo posts into entries of the data source.

    PATH is a page bundle (<slug>/index.md with its files), a single .md file, or a folder
    to walk. Front matter becomes properties through the pipeline.toml mapping read in
    reverse; the body becomes Notion blocks; bundle images and files are uploaded. An entry
    is found by its slug: importing twice creates nothing, and --update replaces what exists.
    What Notion cannot hold is reported for each post, with what was done instead.

    Each entry stays unpublished, marked as incomplete, until its whole content is written:
    an import cut short leaves no half post for sync, and running it again completes it.
    """
    from pipeline.import_posts import import_posts

    def action() -> int:
        if store is not None and not dry_run:
            raise ConfigError("--store imports into a copy of the store file that the emulator keeps in memory and "
                              "throws away: nothing would be kept. Use it with --dry-run to see the plan, or import "
                              "into Notion with NOTION_TOKEN.")
        config = _config(config_path)
        selection = _selection(config, data_source, (), store)
        if selection.data_source is None:
            raise ConfigError("import writes into a data source: set notion.data_source in pipeline.toml, or pass --data-source.")
        shown = ImportLines(dry_run, sys.stderr.isatty())
        with notion_endpoint(store) as (base_url, token):
            try:
                report = import_posts(list(paths), config, selection.data_source, token=token,
                                      options=source_options_for(config, base_url), update=update, dry_run=dry_run,
                                      section=section, progress=shown)
            except KeyboardInterrupt:
                raise Interrupted("interrupted; nothing was written." if dry_run else (
                    "interrupted. The posts reported above are settled; an entry whose content was being written "
                    "stays unpublished and marked as incomplete (sync does not publish it): run the import again to "
                    "complete it.")) from None
        shown.done()
        counts = [f"{report.count(kind)} {shown.verbs[kind]}"
                  for kind in ("create", "update", "complete", "unchanged", "skipped")
                  if kind not in ("complete", "skipped") or report.count(kind)]
        say(f"{len(report.plans)} posts: {', '.join(counts)}, {report.count('failed')} failed.")
        return report.exit_code

    run_guarded(verbose, action)


class ImportLines:
    """What `import` prints: the plan on one stream (stdout), each post's line as soon as it
    is settled with its error and notes under it, then the counts; and while the entries are
    created, a count on stderr on a terminal, which a redirected plan leaves out."""

    def __init__(self, dry_run: bool, counting: bool) -> None:
        self.verbs = {"create": "would create" if dry_run else "created",
                      "update": "would update" if dry_run else "updated",
                      "complete": "would complete" if dry_run else "completed", "unchanged": "unchanged",
                      "skipped": "skipped", "failed": "failed"}
        self.dry_run, self.counting, self.entries = dry_run, counting, 0

    def __call__(self, event: str, plan: Any) -> None:
        if event == "entry":
            self.entries += 1
            if self.counting:
                click.echo(f"\rcreated {self.entries} entries, unpublished until their content is written", nl=False,
                           err=True)
            return
        self.done()
        where = f" ({plan.page['url']})" if plan.page and plan.page.get("url") and not self.dry_run else ""
        say(f"{self.verbs[plan.action]} {plan.slug} from {plan.source}{where}", keep_newlines=False)
        if plan.error:
            say(f"  error: {plan.error}", keep_newlines=False)
        for note in plan.notes:
            say(f"  note: {note.message}", keep_newlines=False)

    def done(self) -> None:
        if self.counting and self.entries:
            click.echo("", err=True)
            self.counting = False


if __name__ == "__main__":
    main()
