"""Stills (the black-frame check and its retries), the playhead, and frame numbers to timecode, against the fake."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pix2lut.imageio import read_image
from resolve_scripts.errors import ResolveRefusal
from resolve_scripts.stills import (
    EXPORT_ATTEMPTS,
    PLAYHEAD_POLLS,
    export_still,
    is_black_png,
    move_playhead,
    park_playhead,
    sample_frames,
)
from resolve_scripts.timecode import frame_to_timecode, timeline_rate
from tests.fakes import FakeClip, FakeResolve, FakeTimeline, Quirks, gradient_frames
from tests.fakes.timecode import TimecodeFormat

SIZE = (16, 9)  # width, height of the still images and of the generated frames: enough pixels, fast
EIGHT_BIT_HALF_STEP = 0.5 / 255.0  # an 8-bit still is within half a code value of the float render
DF_START = "01:00:00;00"
FRAMES_PER_DF_MINUTE, FRAMES_PER_DF_TEN_MINUTES = 1798, 17982  # 29.97 DF: 30 * 60 - 2, 9 such minutes + 1800
LAG_POLLS = 2  # API-NOTES section 4: GetCurrentTimecode "may lag a set for a poll or two"


# -- is_black_png ------------------------------------------------------------------------------------------------


def write_png(path: Path, pixels: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), pixels), path
    return path


def black(channels: int | None, dtype: type = np.uint8) -> np.ndarray:
    width, height = SIZE
    shape = (height, width) if channels is None else (height, width, channels)
    return np.zeros(shape, dtype=dtype)


def rgba_black(alpha: np.ndarray | int, dtype: type = np.uint8) -> np.ndarray:
    pixels = black(4, dtype)
    pixels[..., 3] = alpha
    return pixels


@pytest.mark.parametrize(
    ("name", "pixels"),
    [
        ("rgb8", black(3)),
        ("rgba8-opaque", rgba_black(255)),
        ("rgba8-varying-alpha", rgba_black(np.arange(SIZE[0] * SIZE[1]).reshape(SIZE[::-1]) % 256)),
        ("rgb16", black(3, np.uint16)),
        ("rgba16-opaque", rgba_black(65535, np.uint16)),
        ("grey8", black(None)),
        ("grey16", black(None, np.uint16)),
    ],
)
def test_is_black_png_for_black_pngs(tmp_path: Path, name: str, pixels: np.ndarray) -> None:
    assert is_black_png(write_png(tmp_path / f"{name}.png", pixels))


# Positions of the one non-black pixel: first, inside, end of the first row, start of the last, the last one.
POSITIONS = [(0, 0), (4, 7), (0, SIZE[0] - 1), (SIZE[1] - 1, 0), (SIZE[1] - 1, SIZE[0] - 1)]


@pytest.mark.parametrize("position", POSITIONS, ids=lambda p: f"row{p[0]}-col{p[1]}")
@pytest.mark.parametrize(
    ("name", "pixels", "channel", "value"),
    [
        ("rgb8-blue", black(3), 0, 1),  # cv2 writes BGR: channel 0 is blue
        ("rgb8-red", black(3), 2, 1),
        ("rgba8", rgba_black(255), 1, 1),
        ("rgba8-under-clear-alpha", rgba_black(0), 2, 200),
        ("rgb16-low-byte", black(3, np.uint16), 1, 1),
        ("rgb16-high-byte", black(3, np.uint16), 2, 256),
        ("rgba16", rgba_black(65535, np.uint16), 0, 1),
        ("grey8", black(None), None, 1),
        ("grey16", black(None, np.uint16), None, 1),
    ],
)
def test_one_non_black_pixel_is_not_black(
    tmp_path: Path, name: str, pixels: np.ndarray, channel: int | None, value: int, position: tuple[int, int]
) -> None:
    pixels = pixels.copy()
    if channel is None:
        pixels[position] = value
    else:
        pixels[position + (channel,)] = value
    assert not is_black_png(write_png(tmp_path / f"{name}.png", pixels))


def test_is_black_png_is_false_for_anything_but_a_png(tmp_path: Path) -> None:
    jpeg = tmp_path / "black.jpg"
    assert cv2.imwrite(str(jpeg), black(3))
    text = tmp_path / "notes.png"
    text.write_text("not an image", encoding="utf-8")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(write_png(tmp_path / "whole.png", black(3)).read_bytes()[:40])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for path in (jpeg, text, truncated, empty, tmp_path / "missing.png", tmp_path):
        assert not is_black_png(path), path


# -- frame numbers to timecode -----------------------------------------------------------------------------------

RATES = [
    pytest.param(24.0, False, id="24"),
    pytest.param(25.0, False, id="25"),
    pytest.param(30.0, False, id="30-NDF"),
    pytest.param(29.97, True, id="29.97-DF"),
    pytest.param(59.94, True, id="59.94-DF"),
]
EDGE = 5  # frames checked either side of each boundary


def boundary_frames(form: TimecodeFormat) -> list[int]:
    """Frames around every minute of the first 21 minutes, every tenth minute to 2 h, each hour, and 24 h."""
    starts = [form.to_frame(f"00:{minute:02d}:00{form.separator}00") for minute in range(0, 60, 10)]
    starts += [form.to_frame(f"00:{minute:02d}:00{form.separator}{form.nominal // 15:02d}") for minute in range(21)]
    starts += [form.to_frame(f"{hour:02d}:{minute:02d}:00{form.separator}00") for hour in (1, 23) for minute in (0, 10)]
    starts += [form.to_frame(f"{hour:02d}:00:00{form.separator}00") for hour in range(24)]
    starts.append(form.to_frame(f"23:59:59{form.separator}{form.nominal - 1:02d}") + 1)  # 24 h: wraps to 00:00:00
    assert None not in starts
    return sorted({frame for start in starts for frame in range(max(start - EDGE, 0), start + EDGE + 1)})


@pytest.mark.parametrize(("fps", "drop"), RATES)
def test_frame_to_timecode_matches_the_fakes_timecode(fps: float, drop: bool) -> None:
    form = TimecodeFormat(fps, drop)
    frames = boundary_frames(form) + list(range(0, 2 * 10 * 60 * form.nominal, 7))  # 20 minutes, every 7th frame
    for frame in frames:
        timecode = frame_to_timecode(frame, round(fps), drop)
        assert timecode == form.to_timecode(frame), frame
        if frame < form.to_frame(f"23:59:59{form.separator}{form.nominal - 1:02d}"):
            assert form.to_frame(timecode) == frame, timecode  # counted back, the other way


@pytest.mark.parametrize(
    ("frame", "nominal", "drop", "timecode"),
    [
        (0, 24, False, "00:00:00:00"),
        (86400, 24, False, "01:00:00:00"),
        (24 * 3600 * 24, 24, False, "00:00:00:00"),
        (1799, 30, True, "00:00:59;29"),
        (1800, 30, True, "00:01:00;02"),
        (FRAMES_PER_DF_TEN_MINUTES, 30, True, "00:10:00;00"),
        (107892, 30, True, "01:00:00;00"),  # 29.97 DF: one hour is 107892 frames
        (3600, 60, True, "00:01:00;04"),
    ],
)
def test_frame_to_timecode_known_values(frame: int, nominal: int, drop: bool, timecode: str) -> None:
    assert frame_to_timecode(frame, nominal, drop) == timecode


def one_clip_resolve(tmp_path: Path, fps: float, drop: bool, **create) -> FakeResolve:
    clip = FakeClip("Shot 01", gradient_frames(*SIZE, 4), fps=fps)
    start = "01:00:00;00" if drop else "01:00:00:00"
    timeline = FakeTimeline("Timeline 1", [clip], start, fps=fps, drop_frame=drop)
    return FakeResolve.create(tmp_path, timelines=[timeline], **create)


@pytest.mark.parametrize(
    ("fps", "drop", "rate"),
    [(24.0, False, (24, False)), (25.0, False, (25, False)), (29.97, True, (30, True))]
    + [(29.97, False, (30, False)), (59.94, True, (60, True)), (23.976, False, (24, False))],
)
def test_timeline_rate_reads_the_timelines_settings(
    tmp_path: Path, fps: float, drop: bool, rate: tuple[int, bool]
) -> None:
    resolve = one_clip_resolve(tmp_path, fps, drop)
    timeline = resolve.fake_timeline()
    assert timeline.GetSetting("timelineDropFrameTimecode") == ("1" if drop else "0")
    assert timeline_rate(timeline) == rate


def test_timeline_rate_takes_29_97_with_the_drop_frame_flag(tmp_path: Path) -> None:
    resolve = one_clip_resolve(tmp_path, 29.97, True)
    timeline = resolve.fake_timeline()
    assert (timeline.GetSetting("timelineFrameRate"), timeline.GetSetting("timelineDropFrameTimecode")) == (
        "29.97",
        "1",
    )
    assert timeline_rate(timeline) == (30, True)


def test_timeline_rate_ignores_a_drop_frame_flag_at_24(tmp_path: Path) -> None:
    resolve = one_clip_resolve(tmp_path, 24.0, False, project_settings={"timelineDropFrameTimecode": "1"})
    assert timeline_rate(resolve.fake_timeline()) == (24, False)


def test_timeline_rate_without_a_rate_is_one_sentence(tmp_path: Path) -> None:
    resolve = one_clip_resolve(tmp_path, 24.0, False, project_settings={"timelineFrameRate": ""})
    with pytest.raises(ResolveRefusal) as caught:
        timeline_rate(resolve.fake_timeline())
    assert str(caught.value) == (
        "Resolve gave no usable frame rate for timeline 'Timeline 1' (''): open the timeline and run again."
    )


# -- the playhead ------------------------------------------------------------------------------------------------


def df_timeline_resolve(tmp_path: Path, **create) -> FakeResolve:
    """29.97 DF from 01:00:00;00, with clips across the first minute boundary and the tenth minute's."""
    frames = gradient_frames(*SIZE, 1) * 12  # one small frame, repeated: the pixels do not matter here
    clips = [
        FakeClip("Opening", frames, fps=29.97),
        FakeClip("Minute", frames, start_frame=1800 - 6, fps=29.97),  # 01:00:59;24 .. 01:01:00;07
        FakeClip("Tenth", frames, start_frame=FRAMES_PER_DF_TEN_MINUTES - 6, fps=29.97),  # around 01:10:00;00
    ]
    timeline = FakeTimeline("Timeline DF", clips, DF_START, fps=29.97, drop_frame=True)
    return FakeResolve.create(tmp_path, timelines=[timeline], **create)


def test_move_playhead_on_a_drop_frame_timeline_lands_on_the_frame(tmp_path: Path) -> None:
    resolve = df_timeline_resolve(tmp_path)
    timeline = resolve.fake_timeline()
    form = TimecodeFormat(29.97, drop_frame=True)
    assert timeline.GetStartTimecode() == DF_START
    for name in ("Minute", "Tenth", "Opening"):
        item = timeline.fake_item(name)
        for frame in range(item.GetStart(), item.GetEnd()):
            timecode = move_playhead(timeline, frame)
            assert timecode == form.to_timecode(frame)
            assert timeline.fake_playhead() == frame
            assert timeline.GetCurrentTimecode() == timecode
            assert timeline.GetCurrentVideoItem() is item
    assert resolve.fake_refusals() == []
    assert move_playhead(timeline, timeline.fake_item("Minute").GetStart() + 6) == "01:01:00;02"
    assert move_playhead(timeline, timeline.fake_item("Tenth").GetStart() + 6) == "01:10:00;00"


def test_park_playhead_waits_for_a_lagging_report(tmp_path: Path) -> None:
    assert LAG_POLLS < PLAYHEAD_POLLS
    resolve = df_timeline_resolve(tmp_path, quirks=Quirks(timecode_lag_polls=LAG_POLLS))
    timeline = resolve.fake_timeline()
    for timecode in ("01:00:59;28", "01:01:00;03", "01:00:00;05"):
        assert park_playhead(timeline, timecode) == timecode
        # The very next poll: had park_playhead returned before Resolve reported the move, this would lag.
        assert timeline.GetCurrentTimecode() == timecode
    assert resolve.fake_refusals() == []


def test_park_playhead_refused_is_one_sentence(tmp_path: Path) -> None:
    resolve = df_timeline_resolve(tmp_path)
    timeline = resolve.fake_timeline()
    with pytest.raises(ResolveRefusal) as caught:
        park_playhead(timeline, "00:00:10;00")  # before the start: SetCurrentTimecode takes absolute timecode
    assert str(caught.value) == (
        "Resolve would not move the playhead to 00:00:10;00 on 'Timeline DF': open the Color page and run again."
    )
    assert [refusal.call for refusal in resolve.fake_refusals()] == ["Timeline.SetCurrentTimecode"]


# -- sample_frames -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [3, 4, 5, 8, 17, 100])
@pytest.mark.parametrize("count", [1, 2, 3, 7, 16])
def test_sample_frames_stay_inside_the_clip_away_from_its_ends(tmp_path: Path, length: int, count: int) -> None:
    clip = FakeClip("Shot 01", gradient_frames(*SIZE, 1) * length, start_frame=10)
    resolve = FakeResolve.create(tmp_path, clips=[clip])
    item = resolve.fake_timeline().fake_item("Shot 01")
    first, last = item.GetStart(), item.GetEnd() - 1

    frames = sample_frames(item, count)

    assert frames == sorted(set(frames))
    assert 1 <= len(frames) <= count
    assert all(first < frame < last for frame in frames), frames
    assert len(frames) == min(count, length - 2)  # as many as asked, where the clip has that many inside frames


@pytest.mark.parametrize("length", [1, 2])
def test_sample_frames_of_a_clip_too_short_to_avoid_its_ends(tmp_path: Path, length: int) -> None:
    clip = FakeClip("Shot 01", gradient_frames(*SIZE, 1) * length)
    item = FakeResolve.create(tmp_path, clips=[clip]).fake_timeline().fake_item("Shot 01")
    frames = sample_frames(item, 3)
    assert frames and all(item.GetStart() <= frame < item.GetEnd() for frame in frames)


# -- export_still ------------------------------------------------------------------------------------------------


def raw_clip_resolve(tmp_path: Path, black_exports: int) -> FakeResolve:
    clip = FakeClip("RAW 01", gradient_frames(*SIZE, 4), black_first_exports=black_exports)
    resolve = FakeResolve.create(tmp_path, clips=[clip])
    assert resolve.OpenPage("color")  # the fake exports stills on the Color page only
    return resolve


@pytest.mark.parametrize("black_exports", [0, 2, EXPORT_ATTEMPTS - 1])
def test_export_still_retries_a_black_still(tmp_path: Path, black_exports: int) -> None:
    resolve = raw_clip_resolve(tmp_path, black_exports)
    item = resolve.fake_timeline().fake_item("RAW 01")
    path = str(tmp_path / "still.png")

    assert export_still(resolve.fake_project(), path, "RAW 01", retry_delay_s=0) == path

    assert not is_black_png(path)
    np.testing.assert_allclose(read_image(path).pixels, item.fake_render(0), atol=EIGHT_BIT_HALF_STEP)


def test_export_still_gives_up_on_a_still_that_stays_black(tmp_path: Path) -> None:
    resolve = raw_clip_resolve(tmp_path, EXPORT_ATTEMPTS)
    path = tmp_path / "still.png"
    with pytest.raises(ResolveRefusal) as caught:
        export_still(resolve.fake_project(), str(path), "RAW 01", retry_delay_s=0)
    assert str(caught.value) == (
        f"Resolve exported an all-black frame of 'RAW 01' {EXPORT_ATTEMPTS} times (camera RAW not decoded yet, or "
        "a black frame): play the clip once in the viewer, park on a picture, and run again."
    )
    assert is_black_png(path)
    # The attempts counted: one more export of the frame is the first with the picture in it.
    assert export_still(resolve.fake_project(), str(path), "RAW 01", retry_delay_s=0) == str(path)
    assert not is_black_png(path)


def test_export_still_off_the_color_page_is_one_sentence(tmp_path: Path) -> None:
    resolve = raw_clip_resolve(tmp_path, 0)
    assert resolve.OpenPage("edit")
    with pytest.raises(ResolveRefusal) as caught:
        export_still(resolve.fake_project(), str(tmp_path / "still.png"), "RAW 01", retry_delay_s=0)
    assert str(caught.value) == (
        "Resolve would not export the current frame as a still: open the Color page with the playhead on a clip and "
        "run again."
    )
