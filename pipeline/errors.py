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
    """Notion refused or could not be reached, after retries, or answered something unusable."""

    exit_code = 3


class RemovalRefused(PipelineError):
    """The run would remove more posts than a run may without --allow-removal."""

    exit_code = 3


class Interrupted(PipelineError):
    """The operator stopped the run (^C); the message says in what state it left things."""

    exit_code = 130
