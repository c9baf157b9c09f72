"""The errors a user can cause or meet, each carrying a message fit to print."""


class YuqingError(Exception):
    """Base class: the message is shown to the user as it is, without a traceback."""


class ConfigError(YuqingError):
    """A config file is missing, unreadable or invalid. The message names file and key."""


class NotMigrated(YuqingError):
    """The database schema is missing or older than the code."""


class NotFound(YuqingError):
    """A named object (source, event, user) does not exist."""


class Forbidden(YuqingError):
    """The acting user's role does not allow the action."""


class InvalidTransition(YuqingError):
    """A workflow action that the event's state does not allow."""
