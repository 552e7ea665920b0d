"""Puts the Pix2LUT scripts into DaVinci Resolve on Windows, macOS and Linux, and takes them out again."""
