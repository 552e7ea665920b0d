"""The exceptions of the Resolve-side scripts; each message is one sentence the user can act on.

ScriptError                 anything a menu script reports and stops on
+-- ClipSkipped             this clip cannot be done as it is; a timeline run goes on with the next one
+-- ResolveRefusal          Resolve answered None/False (API-NOTES section 2: failure is silent)
+-- TransportError          the server could not be reached, or its answer could not be read
|   +-- ServerError         the server answered with an error (``code`` from docs/protocol.md)
+-- LutFolderError          the LUT could not be written into the master LUT folder
"""


class ScriptError(Exception):
    """Something a menu script reports to the user in one line, then stops."""


class ClipSkipped(ScriptError):
    """This clip cannot be done as it is; the run goes on with the next one."""


class ResolveRefusal(ScriptError):
    """Resolve answered a call with None or False; the message says what to do about it."""


class TransportError(ScriptError):
    """The Pix2LUT server could not be reached, or its answer could not be read."""


class ServerError(TransportError):
    """The server answered with an error reply; ``code`` is one of the protocol's error codes."""

    def __init__(self, code, message):
        self.code = code
        super().__init__(f"The Pix2LUT server refused the frame ({code}): {message}")


class LutFolderError(ScriptError):
    """The .cube could not be written under the master LUT folder."""
