"""The one error family the CLI turns into a message and an exit code (never a traceback)."""


class PipelineError(Exception):
    """An error an operator can act on; its text is the whole message shown."""

    exit_code = 2


class ConfigError(PipelineError):
    """pipeline.toml, an option or the environment is wrong."""

    exit_code = 2


class OutputError(PipelineError):
    """The output folder is not as the pipeline left it (a corrupt manifest, another run)."""

    exit_code = 2


class NotionError(PipelineError):
    """Notion refused or could not be reached, after retries, or answered something unusable.
    Callers tell the kinds apart by class (httpx's way), never by digging into `__cause__`;
    `status` and `code` are Notion's answer's, when there was one."""

    exit_code = 3

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class NotFound(NotionError):
    """404 object_not_found or restricted_resource: no such object, or not shared with the integration."""


class Unauthorized(NotionError):
    """401: the token is not one Notion accepts."""


class RateLimited(NotionError):
    """429 rate_limited, still after the retries."""


class Refused(NotionError):
    """Another 4xx (validation_error, conflict_error, …): Notion answered that it did not do the request."""


class BadAnswer(NotionError):
    """An answer that is not the API's shape: Notion may have done what was asked."""


class Unreachable(NotionError):
    """No answer (connection, timeout, a cap or deadline exceeded) or a 5xx, after retries: Notion
    may have done what was asked."""


class RemovalRefused(PipelineError):
    """The run would remove more posts than a run may without --allow-removal."""

    exit_code = 3


class Interrupted(PipelineError):
    """The operator stopped the run (^C); the message says in what state it left things."""

    exit_code = 130
