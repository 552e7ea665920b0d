"""The frame under the playhead, exported as a still and sent to the Pix2LUT server; the still is gone afterwards.

Shared by the one-clip actions (Grade Clip): export (API-NOTES section 4) -> ``GradeClient.lut_request`` -> the
server's GradeReply, the temp folder removed whatever happens.
"""

import os
import shutil
import tempfile

from resolve_scripts.transport import open_client

STILL_NAME = "pix2lut-still.png"


def ask_for_still(clip_name, settings, client, op, outputs, colour, *, viewer):
    """Export the frame under the playhead and send it as ``op``.

    Returns the server's GradeReply. The still lives in a temp folder removed afterwards. ``client``: a GradeClient,
    or None to open one on ``settings.server`` for this request. ``viewer``: the run's
    :class:`resolve_scripts.stills.Viewer`, which waits out a viewer that lags a version load.
    """
    temp_dir = tempfile.mkdtemp(prefix="pix2lut-")
    own_client = client is None
    try:
        path = os.path.join(temp_dir, STILL_NAME)
        still = viewer.still(path, clip_name)
        if own_client:
            client = open_client(settings)
        return client.lut_request(
            op,
            [still],
            colour=colour,
            send_path=settings.send_path,
            outputs=outputs,
            model=settings.model,
            lut_size=settings.lut_size,
        )
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
        if own_client and client is not None:
            client.close()
