# SPDX-License-Identifier: GPL-3.0-or-later
"""GIF files built in the test: an animation written by Pillow, with extensions spliced in by hand
(independently of the code under test), each leak vector carrying its own canary string."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from tests.core.png_webp_fixtures import pattern_image, srgb_icc, xmp_packet

CANARIES = {
    "comment": "CANARY-GIF-COMMENT-3a1",
    "text": "CANARY-GIF-PLAINTEXT-8d2",
    "app": "CANARY-GIF-APPEXT-5c7",
    "ext": "CANARY-GIF-UNKNOWN-EXT-0e4",
    "trailer": "CANARY-GIF-TRAILER-b19",
    # and the XMP packet's own canaries (xmp_city, xmp_creator) from png_webp_fixtures
}
XMP_MAGIC = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"


def frames(count: int = 3, size: tuple[int, int] = (24, 16)) -> list[Image.Image]:
    out = []
    for n in range(count):
        im = pattern_image(size=size).rotate(90 * n)
        out.append(im.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    return out


def animated(*, comment: str = CANARIES["comment"], loop: int | None = 0, count: int = 3) -> bytes:
    """An animation written by Pillow: NETSCAPE2.0 looping, a comment, a delay per frame."""
    first, *rest = frames(count)
    buf = BytesIO()
    options: dict[str, object] = {"duration": 80, "comment": comment}
    if loop is not None:
        options["loop"] = loop
    first.save(buf, "GIF", save_all=bool(rest), append_images=rest, **options)
    return buf.getvalue()


def sub_blocks(payload: bytes) -> bytes:
    return b"".join(bytes([len(payload[i : i + 255])]) + payload[i : i + 255]
                    for i in range(0, len(payload), 255)) + b"\x00"


def application(ident: bytes, payload: bytes) -> bytes:
    assert len(ident) == 11
    return b"\x21\xff\x0b" + ident + sub_blocks(payload)


def xmp_extension(packet: bytes | None = None) -> bytes:
    """XMP the way the XMP specification puts it in a GIF: raw text, then the magic trailer."""
    return b"\x21\xff\x0b" + b"XMP DataXMP" + (packet or xmp_packet()) + XMP_MAGIC


def xmp_packet_with(text: str) -> bytes:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="{text}"/>'
            "</rdf:RDF></x:xmpmeta>").encode()


def icc_extension(profile: bytes | None = None) -> bytes:
    return application(b"ICCRGBG1012", profile or srgb_icc())


def plain_text(text: str = CANARIES["text"]) -> bytes:
    # grid left/top/width/height, cell width/height, foreground and background colour indices
    header = b"\x0c" + (0).to_bytes(2, "little") * 2 + (24).to_bytes(2, "little") + (16).to_bytes(2, "little")
    header += bytes([8, 8, 1, 0])
    return b"\x21\x01" + header + sub_blocks(text.encode())


def comment(text: str) -> bytes:
    return b"\x21\xfe" + sub_blocks(text.encode())


def first_block(data: bytes) -> int:
    """Where the blocks start: after the header, screen descriptor and global colour table."""
    packed = data[10]
    return 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)


def splice(data: bytes, blocks: list[bytes], *, after: bytes = b"") -> bytes:
    """``blocks`` inserted before the first block, ``after`` appended after the trailer."""
    at = first_block(data)
    assert data.endswith(b"\x3b")
    return data[:at] + b"".join(blocks) + data[at:] + after


def rich(*, icc: bool = True) -> bytes:
    """An animation with every leak vector the GIF handler knows, and the looping block that stays."""
    return splice(
        animated(),
        [
            xmp_extension(),
            *([icc_extension()] if icc else []),
            plain_text(),
            application(b"PRIVATE1.00", CANARIES["app"].encode()),
            b"\x21\x99" + sub_blocks(CANARIES["ext"].encode()),
        ],
        after=CANARIES["trailer"].encode(),
    )


def decoded_frames(data: bytes) -> list[bytes]:
    """Every frame as RGBA pixels, the way Pillow composes the animation."""
    out = []
    with Image.open(BytesIO(data)) as im:
        for n in range(getattr(im, "n_frames", 1)):
            im.seek(n)
            out.append(im.convert("RGBA").tobytes())
    return out
