# SPDX-License-Identifier: GPL-3.0-or-later
"""What the names in an MP4 movie mean, as a category and words a person reads: the QuickTime ``©``-atoms
and 3GPP atoms (the same names in ``udta`` and ``ilst``), the suffixes of Apple's and Android's ``mdta``
keys, the vendor boxes cameras and phones add, and the kinds of timed-metadata, text and timecode track.
"""

from __future__ import annotations

from core.model.categories import Category

# What the QuickTime ©-atoms and Apple's mdta keys mean (the same names in udta and ilst).
ATOMS: dict[str, tuple[Category, str]] = {
    "©xyz": (Category.LOCATION, "Location"),
    "©day": (Category.TIME, "Creation date"),
    "©mak": (Category.DEVICE, "Camera make"),
    "©mod": (Category.DEVICE, "Camera model"),
    "©swr": (Category.DEVICE, "Software"),
    "©too": (Category.DEVICE, "Encoder"),
    "©enc": (Category.DEVICE, "Encoded by"),
    "©fmt": (Category.TECHNICAL, "Format"),
    "©nam": (Category.DESCRIPTION, "Title"),
    "©des": (Category.DESCRIPTION, "Description"),
    "©cmt": (Category.DESCRIPTION, "Comment"),
    "©inf": (Category.DESCRIPTION, "Information"),
    "©key": (Category.DESCRIPTION, "Keywords"),
    "©gen": (Category.DESCRIPTION, "Genre"),
    "©alb": (Category.DESCRIPTION, "Album"),
    "©lyr": (Category.DESCRIPTION, "Lyrics"),
    "©ART": (Category.PEOPLE, "Artist"),
    "©aut": (Category.PEOPLE, "Author"),
    "©prd": (Category.PEOPLE, "Producer"),
    "©dir": (Category.PEOPLE, "Director"),
    "©wrt": (Category.PEOPLE, "Writer"),
    "©cpy": (Category.PEOPLE, "Copyright"),
    "cprt": (Category.PEOPLE, "Copyright"),
    "desc": (Category.DESCRIPTION, "Description"),
    "ldes": (Category.DESCRIPTION, "Long description"),
    "titl": (Category.DESCRIPTION, "Title"),
    "auth": (Category.PEOPLE, "Author"),
    "perf": (Category.PEOPLE, "Performer"),
    "kywd": (Category.DESCRIPTION, "Keywords"),
    "loci": (Category.LOCATION, "Location information"),
    "yrrc": (Category.TIME, "Recording year"),
}
KEY_SUFFIXES: dict[str, tuple[Category, str]] = {
    "location.ISO6709": (Category.LOCATION, "Location"),
    "make": (Category.DEVICE, "Camera make"),
    "manufacturer": (Category.DEVICE, "Camera make"),  # com.android.manufacturer
    "model": (Category.DEVICE, "Camera model"),
    "software": (Category.DEVICE, "Software"),
    "creationdate": (Category.TIME, "Creation date"),
    "content.identifier": (Category.HIDDEN_MEDIA, "Live Photo content identifier"),
    "author": (Category.PEOPLE, "Author"),
    "artist": (Category.PEOPLE, "Artist"),
    "copyright": (Category.PEOPLE, "Copyright"),
    "title": (Category.DESCRIPTION, "Title"),
    "description": (Category.DESCRIPTION, "Description"),
    "comment": (Category.DESCRIPTION, "Comment"),
    "keywords": (Category.DESCRIPTION, "Keywords"),
    "displayname": (Category.DESCRIPTION, "Display name"),
    "location": (Category.LOCATION, "Location"),
    "creation_time": (Category.TIME, "Creation time"),
    "date": (Category.TIME, "Date"),
    "encoder": (Category.DEVICE, "Encoder"),
}
# Boxes cameras and phones add: named so a person knows what they are; never copied.
VENDOR: dict[str, tuple[Category, str]] = {
    "smta": (Category.HIDDEN_MEDIA, "Samsung metadata (smta)"),
    "sefd": (Category.HIDDEN_MEDIA, "Samsung extra data (sefd)"),
    "SDLN": (Category.HIDDEN_MEDIA, "Samsung data (SDLN)"),
    "svss": (Category.HIDDEN_MEDIA, "Samsung data (svss)"),
    "GPMF": (Category.DEVICE, "GoPro settings (GPMF, may hold the camera serial number)"),
    "FIRM": (Category.DEVICE, "GoPro firmware version"),
    "CAME": (Category.DEVICE, "GoPro camera serial"),
    "LENS": (Category.DEVICE, "GoPro lens"),
    "MUID": (Category.DEVICE, "GoPro media unique id"),
    "HMMT": (Category.HIDDEN_MEDIA, "GoPro highlight marks"),
    "XMP_": (Category.DESCRIPTION, "XMP packet"),
    "AllF": (Category.DEVICE, "Camera data (AllF)"),
    "MVTG": (Category.DEVICE, "Camera data (MVTG)"),
    "Xtra": (Category.HIDDEN_MEDIA, "Microsoft Xtra metadata"),
    "PANA": (Category.DEVICE, "Panasonic camera data"),
    "NCDT": (Category.DEVICE, "Nikon camera data"),
    "CNCV": (Category.DEVICE, "Canon camera data"),
    "LOOP": (Category.TECHNICAL, "Looping hint"),
    "SNum": (Category.DEVICE, "Serial number"),
}
# The sample entry (codec) of a track that is neither video nor sound, and what it holds.
TRACK_KINDS: dict[str, tuple[Category, str]] = {
    "gpmd": (Category.LOCATION, "GoPro GPMF telemetry track (GPS positions, motion, camera settings)"),
    "camm": (Category.LOCATION, "Camera motion metadata track (GPS, orientation)"),
    "mebx": (Category.HIDDEN_MEDIA, "Apple timed metadata track (may hold location, faces, motion)"),
    "tx3g": (Category.HIDDEN_MEDIA, "Text track"),
    "text": (Category.HIDDEN_MEDIA, "Text track"),
    "wvtt": (Category.HIDDEN_MEDIA, "Subtitle track"),
    "stpp": (Category.HIDDEN_MEDIA, "Subtitle track"),
    "c608": (Category.HIDDEN_MEDIA, "Closed captions track"),
    "tmcd": (Category.HIDDEN_MEDIA, "Timecode track (may hold the recording time of day)"),
}
