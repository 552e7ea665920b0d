"""Puts the Pix2LUT scripts into DaVinci Resolve on Windows, macOS and Linux, and takes them out again.

``cli`` (``pix2lut-install``) runs ``install``/``uninstall``/``status``/``doctor``. Underneath: ``context`` (the
machine: system, environment, home, command runner), ``locations`` (Resolve's folders and ours), ``plan`` (what an
install wants -> ``actions``), ``record`` (what was done, for ``removal``), ``admin`` (the LUT folder and the
admin command), ``resolve_python`` (Resolve's interpreter), ``autostart``, ``ping``, ``checks``.
"""
