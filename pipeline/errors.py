"""The one error family the CLI turns into a message and an exit code (never a traceback)."""


class PipelineError(Exception):
    """An error an operator can act on; its text is the whole message shown."""

    exit_code = 2


class ConfigError(PipelineError):
    """pipeline.toml, an option or the environment is wrong."""

    exit_code = 2


class NotionError(PipelineError):
    """Notion refused or could not be reached, after retries."""

    exit_code = 3
