# SPDX-License-Identifier: GPL-3.0-or-later
"""An XMP packet as XML: read safely, its top-level properties listed, elements written back.

Parsing goes through defusedxml: a packet that declares entities or external references is never
expanded, and one nested deeper than any real XMP is refused before the readers recurse into it. Each
property is named with the canonical prefix of its namespace URI (``xmp_names.PREFIXES``), so a file that
spells ``dc`` as ``ns3`` yields the same keys as any other; elements are written back with the same
prefixes, so a rewritten packet re-parses to the same keys and values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree as DET

from core.metadata.xmp_names import PREFIXES, RDF, XMP_NOTE

XML_NS = "http://www.w3.org/XML/1998/namespace"
X_NS = "adobe:ns:meta/"


# The text and attribute escapes of xml.sax.saxutils, character for character (a test compares them).
# That module imports urllib.request (http, email, ssl) when loaded, which cost more start-up than reading
# a photo's metadata.
def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(value: str) -> str:
    text = escape(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


MAX_DEPTH = 100  # element nesting; real packets (face regions, history) stay under 15


@dataclass(slots=True)
class Prop:
    key: str
    qname: str  # canonical "prefix:name"
    uri: str
    local: str
    attr_value: str | None  # set for properties written as attributes of rdf:Description
    element: ET.Element | None
    about: bool = False


def split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag


def prefix_for(uri: str) -> str:
    """Canonical prefix for a namespace URI, or the URI itself when unknown (keys must be stable)."""
    return PREFIXES.get(uri) or uri


def _decode(packet: bytes) -> bytes:
    # Writers pad packets with spaces or NULs; NULs are not XML and make the parser fail. Some leave
    # junk after the packet trailer, which readers (ExifTool too) ignore; a rewritten packet drops it.
    data = bytes(packet)
    end = data.find(b"<?xpacket end=")
    if end >= 0:
        close = data.find(b"?>", end)
        if close >= 0:
            data = data[: close + 2]
    return data.rstrip(b"\x00 \t\r\n")


class TooDeep(ValueError):
    """The packet nests elements deeper than any real XMP does."""


def parse_root(packet: bytes) -> ET.Element:
    root: ET.Element = DET.fromstring(
        _decode(packet), forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    # The readers below recurse into the tree: a hostile packet nested thousands of levels deep must be
    # refused here, with a reason, before it can exhaust the stack.
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooDeep(f"the XMP packet nests elements more than {MAX_DEPTH} levels deep; not read")
        stack.extend((child, depth + 1) for child in element)
    return root


def properties(root: ET.Element, key_prefix: str) -> tuple[list[Prop], str]:
    """Top-level properties of every rdf:Description, in document order; plus the toolkit string."""
    props: list[Prop] = []
    toolkit = root.get(f"{{{X_NS}}}xmptk", "") if root.tag == f"{{{X_NS}}}xmpmeta" else ""
    rdf_roots = [root] if root.tag == f"{{{RDF}}}RDF" else list(root.iter(f"{{{RDF}}}RDF"))
    for rdf_root in rdf_roots[:1]:
        for desc in rdf_root:
            if desc.tag != f"{{{RDF}}}Description":
                continue
            about = desc.get(f"{{{RDF}}}about", "")
            if about and not any(p.about for p in props):
                props.append(Prop(f"{key_prefix}:rdf:about", "rdf:about", RDF, "about", about, None, True))
            for name, value in desc.attrib.items():
                uri, local = split_tag(name)
                if uri in (RDF, XML_NS, "") or (uri == XMP_NOTE and local == "HasExtendedXMP"):
                    continue
                prefix = prefix_for(uri)
                qname = f"{prefix}:{local}"
                props.append(Prop(f"{key_prefix}:{qname}", qname, uri, local, value, None))
            for child in desc:
                uri, local = split_tag(child.tag)
                if uri == XMP_NOTE and local == "HasExtendedXMP":
                    continue
                prefix = prefix_for(uri)
                qname = f"{prefix}:{local}"
                props.append(Prop(f"{key_prefix}:{qname}", qname, uri, local, None, child))
    return props, toolkit


_RDF_WRAPPERS = {f"{{{RDF}}}{n}" for n in ("Seq", "Bag", "Alt", "li", "Description")}


def leaves(element: ET.Element, name: str = "") -> list[tuple[str, str]]:
    """(property local name, text) of every leaf value under ``element``: attributes and element texts.

    rdf:Seq/Bag/Alt/li/Description wrappers pass on the name of the property that holds them.
    """
    if element.tag not in _RDF_WRAPPERS:
        name = split_tag(element.tag)[1]
    out: list[tuple[str, str]] = []
    for attr, value in element.attrib.items():
        uri, local = split_tag(attr)
        if uri not in (RDF, XML_NS):
            out.append((local, value))
    children = list(element)
    if not children:
        text = (element.text or "").strip() or element.get(f"{{{RDF}}}resource", "")
        if text:
            out.append((name, text))
        return out
    for child in children:
        out.extend(leaves(child, name))
    return out


def unreadable_message(exc: Exception) -> str:
    if isinstance(exc, defusedxml.EntitiesForbidden):
        return "XMP declares XML entities (possible 'billion laughs' attack); not expanded"
    if isinstance(exc, defusedxml.ExternalReferenceForbidden):
        return "XMP refers to external files; not followed"
    if isinstance(exc, defusedxml.DTDForbidden):
        return "XMP carries a document type declaration; not read"
    if isinstance(exc, TooDeep):
        return str(exc)
    return f"XMP is not valid XML ({exc})"


class NsMap:
    """URI → prefix for one written packet: canonical prefixes, generated ones for unknown namespaces."""

    def __init__(self) -> None:
        self.used: dict[str, str] = {}

    def prefix(self, uri: str) -> str:
        if uri == XML_NS:
            return "xml"
        if uri not in self.used:
            prefix = PREFIXES.get(uri)
            if prefix is None or prefix in self.used.values():
                prefix = f"ns{len(self.used) + 1}"
            self.used[uri] = prefix
        return self.used[uri]

    def qname(self, tag: str) -> str:
        uri, local = split_tag(tag)
        return f"{self.prefix(uri)}:{local}" if uri else local


def serialize(element: ET.Element, ns: NsMap, indent: str = "   ") -> str:
    attrs = "".join(f" {ns.qname(k)}={quoteattr(v)}" for k, v in element.attrib.items())
    name = ns.qname(element.tag)
    children = list(element)
    if not children:
        text = element.text or ""
        if not text:
            return f"{indent}<{name}{attrs}/>\n"
        return f"{indent}<{name}{attrs}>{escape(text)}</{name}>\n"
    inner = "".join(serialize(child, ns, indent + " ") for child in children)
    return f"{indent}<{name}{attrs}>\n{inner}{indent}</{name}>\n"
