"""The Pix2LUT panel (PySide6): run the local server, grade an image through it, look at and export the LUT.

``pix2lut-panel`` (``server.gui.app:main``). Modules, one job each:

- ``app``: the command line, the QApplication, ``--screenshot``;
- ``window``: the main window, composed of the parts below and wired together;
- ``server_control``: start/stop a ``pix2lut serve`` subprocess, ask the server for its provider and models;
- ``server_panel``: the server's state, its models with their cards, recent requests and the server's log;
- ``grade_controls``: model, strength and LUT size;
- ``compare``: the before/after view with its split slider;
- ``lut_view``: slices of the cube and the per-channel curves along the grey axis;
- ``grading``: the grade request, the after image, export and the copy into Resolve's LUT folder (no Qt);
- ``images``: numpy images to and from QImage, previews;
- ``tasks``: runs blocking work (requests, file reads) off the UI thread.

Arrows: ``server.gui`` -> ``server`` -> ``pix2lut``; nothing outside imports ``server.gui``.
"""
