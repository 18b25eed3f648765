"""Hot spots of pyHanko and asn1crypto, sped up without changing their results.

1. PDF hex strings:
pyHanko reads hex strings one byte at a time through its tokenizer. Every signature keeps its
CMS blob as a hex string of several thousand digits, and signing and validating re-read those
blobs dozens of times: about 60 ms of a signing ceremony. This reader accepts exactly the same
syntax (PDF 32000-1 §7.3.4.3: hex digits, white space ignored, an odd final digit padded with
0, ended by ">") but scans in bulk.

2. Certificate names: see :func:`name_eq`, :func:`name_hashable`, :func:`name_human_friendly`.

3. Where each object is used, per revision: see :func:`load_reverse_xref_cache`.

4. The signing-certificate attribute: see :func:`signing_certificate_v2`.

5. Cyclic garbage collection: see :func:`gc_paused`.

6. PDF names, indirect references and cross-reference tables: see :mod:`.speedups_reading`.

7. The difference analysis of a signature, done once: see :func:`compute_integrity_info`.

Nothing is patched on import: :func:`install` puts all but 5 in place, once, at start-up.
tests/documents/test_speedups.py checks them against the originals.
"""

from __future__ import annotations

import binascii
import functools
import gc
import re
from collections import defaultdict

from asn1crypto import tsp, x509
from pyhanko.pdf_utils import generic, xref
from pyhanko.pdf_utils.misc import PdfReadError, PdfStreamError
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath
from pyhanko.sign import attributes
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from . import speedups_reading

_WHITESPACE = b" \t\r\n\x0c\x00"
_HEX = re.compile(rb"[0-9a-fA-F]*")
original_read_hex_string = generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream):
    stream.read(1)  # the opening "<"
    start = stream.tell()
    parts = []
    while True:
        chunk = stream.read(16384)
        if not chunk:
            raise PdfStreamError("Unterminated hex string")
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
    raw = b"".join(parts)
    stream.seek(start + len(raw) + 1)  # just past the closing ">"
    digits = raw.translate(None, _WHITESPACE)
    if not _HEX.fullmatch(digits):
        bad = next(bytes([c]) for c in digits if c not in b"0123456789abcdefABCDEF")
        raise PdfStreamError("Unexpected token in hex string: " + repr(bad))
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


original_name_eq = x509.Name.__eq__
original_name_hashable = x509.Name.hashable
original_name_human_friendly = x509.Name.human_friendly


def name_eq(self, other) -> bool:
    """RFC 5280 name comparison (asn1crypto's rules), with its normalised form remembered.

    asn1crypto normalises every attribute (stringprep) on every comparison; validation
    compares the same few certificate names hundreds of times per signature, mostly names
    that differ. Identical DER is always equal.
    """
    if not isinstance(other, x509.Name):
        return original_name_eq(self, other)
    mine, theirs = self.dump(), other.dump()
    return mine == theirs or (_remembered("eq", self, mine, _normalised)
                              == _remembered("eq", other, theirs, _normalised))


def _normalised(name: x509.Name) -> tuple:
    # What asn1crypto's RelativeDistinguishedName.__eq__ compares: the number of attributes,
    # their types and their prepared values, RDN by RDN in order.
    return tuple((len(rdn), tuple(sorted(rdn._get_values(rdn).items())))
                 for rdn in name.chosen)


def name_hashable(self) -> str:
    """The normalised name string every certificate registry lookup keys on."""
    return _remembered("hashable", self, self.dump(), original_name_hashable.fget)


def name_human_friendly(self) -> str:
    """The display form pyHanko builds for every path it starts (IDNA-decoding e-mail
    addresses on the way)."""
    return _remembered("human", self, self.dump(), original_name_human_friendly.fget)


_NAMES: dict[tuple[str, bytes], object] = {}


def _remembered(kind: str, name: x509.Name, der: bytes, compute):
    # Keyed by the encoding, tag included (a name inside a GeneralName carries an explicit
    # tag): a value computed from the same bytes is the same value.
    key = (kind, der)
    try:
        return _NAMES[key]
    except KeyError:
        pass
    value = compute(name)
    if len(_NAMES) >= 8192:  # hostile uploads bring new names: stay bounded
        _NAMES.clear()
    _NAMES[key] = value
    return value


original_load_reverse_xref_cache = HistoricalResolver._load_reverse_xref_cache


def load_reverse_xref_cache(self: HistoricalResolver) -> None:
    """Every path from the trailer to every indirect object, as of one revision.

    pyHanko's difference analysis builds this table for each revision a signature's later
    revisions touch: 30 to 40 ms each on a contract of 350 objects, the largest part of the
    verify page. pyHanko copies every object into the revision's own cache on the way and
    keeps paths as linked lists; this walks the raw objects with tuples instead. Same rules:
    page tree nodes only through their canonical path, structure elements only from the
    structure tree, /Parent (and /P inside the structure tree) not followed, no cycles.
    Encrypted files take pyHanko's own route (decryption needs its object handling).
    """
    if self._indirect_object_access_cache is not None:
        return
    reader = self.reader
    if reader.encrypted:
        original_load_reverse_xref_cache(self)
        return
    revision = self.revision
    xrefs = reader.xrefs
    objects: dict = {}

    def resolve(ref: generic.Reference):
        try:
            return objects[ref]
        except KeyError:
            pass
        try:
            last_change = xrefs.get_last_change(ref)
        except KeyError:
            last_change = None
        if last_change is not None and last_change <= revision:
            obj = reader.get_object(ref, transparent_decrypt=False)
        else:
            obj = reader.get_object(ref, revision, transparent_decrypt=False)
        objects[ref] = obj
        return obj

    def deref(obj):
        return resolve(obj.reference) if isinstance(obj, generic.IndirectObject) else obj

    root = deref(self.trailer_view.raw_get("/Root"))
    pages_ref = root.raw_get("/Pages")
    pages_path = ("/Root", "/Pages")
    page_tree: dict = {}
    if isinstance(pages_ref, generic.IndirectObject):
        page_tree[pages_ref.reference] = pages_path

    def page_tree_refs(pages, path):
        for ix, kid in enumerate(deref(pages.raw_get("/Kids"))):
            kid_path = (*path, "/Kids", ix)
            if isinstance(kid, generic.IndirectObject):
                yield kid.reference, kid_path
            kid = deref(kid)
            if deref(kid.get("/Type")) == "/Pages":
                yield from page_tree_refs(kid, kid_path)

    for ref, path in page_tree_refs(deref(pages_ref), pages_path):
        if ref in page_tree:
            raise PdfReadError("Circular reference in page tree in mapping stage")
        page_tree[ref] = path

    def struct_tree_refs(element):
        try:
            children = deref(element.raw_get("/K"))
        except KeyError:
            return
        if not isinstance(children, generic.ArrayObject):
            children = (children,)
        for child in children:
            child_ref = child.reference if isinstance(child, generic.IndirectObject) else None
            child = deref(child)
            if not isinstance(child, generic.DictionaryObject):
                continue
            kind = child.get("/Type")
            if kind is not None and deref(kind) != "/StructElem":
                continue
            if child_ref is not None:
                yield child_ref
            yield from struct_tree_refs(child)

    struct_tree: set = set()
    try:
        struct_root = deref(root.raw_get("/StructTreeRoot"))
    except KeyError:
        struct_root = None
    if struct_root is not None:
        for ref in struct_tree_refs(struct_root):
            if ref in struct_tree:
                raise PdfReadError("Circular reference in structure tree in mapping stage")
            struct_tree.add(ref)

    collected: defaultdict = defaultdict(set)
    on_path: set = set()
    indirect, dictionary, array = (generic.IndirectObject, generic.DictionaryObject,
                                   generic.ArrayObject)
    struct_tree_entry = ("/Root", "/StructTreeRoot")

    def visit(obj, path: tuple, in_struct_tree: bool) -> None:
        if isinstance(obj, indirect):
            ref = obj.reference
            if ref in on_path:
                return
            collected[ref].add(path)
            obj = resolve(ref)
            if page_tree.get(ref, path) != path:
                return
            if not in_struct_tree and ref in struct_tree:
                return
            on_path.add(ref)
            try:
                visit_children(obj, path, in_struct_tree)
            finally:
                on_path.discard(ref)
        else:
            visit_children(obj, path, in_struct_tree)

    def visit_children(obj, path: tuple, in_struct_tree: bool) -> None:
        if isinstance(obj, dictionary):
            for key, value in obj.items():
                if key == "/Parent" or (in_struct_tree and key == "/P"):
                    continue
                if isinstance(value, (indirect, dictionary, array)):
                    visit(value, (*path, key), in_struct_tree
                          or (key == "/K" and path == struct_tree_entry))
        elif isinstance(obj, array):
            for ix, value in enumerate(obj):
                if isinstance(value, (indirect, dictionary, array)):
                    visit(value, (*path, ix), in_struct_tree)

    visit_children(self.trailer_view, (), False)
    self._indirect_object_access_cache = _PathsByRef(
        (generic.Reference(ref.idnum, ref.generation, self), frozenset(paths))
        for ref, paths in collected.items())


class _PathsByRef(dict):
    """pyHanko's table of paths per object, each object's paths made :class:`RawPdfPath`
    objects only when asked for: the difference analysis asks about the few objects a later
    revision overrides, and building (and hashing) a path object for every path to each of
    350 objects cost as much as finding them. Reads exactly like the plain dict it stands
    for."""

    __slots__ = ()

    def __getitem__(self, ref):
        paths = dict.__getitem__(self, ref)
        if isinstance(paths, frozenset):  # not asked for before
            paths = {RawPdfPath(*p) for p in paths}
            dict.__setitem__(self, ref, paths)
        return paths

    def get(self, ref, default=None):
        try:
            return self[ref]
        except KeyError:
            return default

    def values(self):
        return [self[ref] for ref in self]

    def items(self):
        return [(ref, self[ref]) for ref in self]

    def __eq__(self, other):
        return isinstance(other, dict) and dict(self.items()) == dict(other.items())

    def __ne__(self, other):
        return not self == other

    __hash__ = None


original_compute_integrity_info = EmbeddedPdfSignature.compute_integrity_info


def compute_integrity_info(self: EmbeddedPdfSignature, diff_policy=None,
                           skip_diff: bool = False) -> None:
    """pyHanko's integrity check of one signature (digest, coverage, difference analysis of
    every later revision), not done again for the same signature object.

    A long-term validation runs it for every signature and timestamp in the file, to collect
    proof of existence, each time it validates one signature: with two signatures the
    difference analysis of every revision ran twice (pyHanko's own comment says as much).
    The result depends only on the file's bytes, the signature and the policy, so a second
    call with the same policy (or one that skips the analysis, which keeps the earlier
    result in pyHanko's code too) leaves everything exactly as a new run would.
    """
    policy = diff_policy or DEFAULT_DIFF_POLICY
    done = self.__dict__.get("_speedups_integrity")
    if self._integrity_checked and done is not None and (skip_diff or done is policy):
        return
    original_compute_integrity_info(self, diff_policy, skip_diff)
    if not skip_diff:
        self._speedups_integrity = policy


original_signing_certificate_v2 = attributes.as_signing_certificate_v2


def signing_certificate_v2(cert, hash_algo: str = "sha256") -> tsp.SigningCertificateV2:
    """pyHanko's signing-certificate attribute value, as a parsed (not built) structure.

    Built, it holds the issuer name in a tagged copy that asn1crypto re-encodes from scratch
    each time the signed attributes are encoded: 2 to 5 ms per signature. Parsed from the same
    DER it encodes in microseconds.
    """
    return tsp.SigningCertificateV2.load(original_signing_certificate_v2(cert, hash_algo).dump())


def gc_paused(func):
    """Run ``func`` without cyclic garbage collection passes, and collect the youngest
    generation once afterwards.

    Reading a signed PDF builds tens of thousands of small objects (the object graph of every
    revision, certificates, paths) that all live until the report is done. Each time enough
    of them pile up, Python's collector walks them again, and every tenth pass walks every
    object in the process: a third of the verify page's time, measured (bench/signing.py).
    Plain reference counting still frees everything that is not part of a cycle; the few
    cycles wait for the next pass. Process-wide and safe with threads: the collector is only
    switched back on by the call that switched it off.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
                gc.collect(0)
    return wrapper


def install() -> None:
    """Put 1 to 4, 6 and 7 in place of pyHanko's and asn1crypto's own, for the whole process.

    Importing this module changes nothing; the application calls this once at start-up.
    Calling it again changes nothing either. (5 is a decorator the engine applies itself.)
    """
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    x509.Name.__eq__ = name_eq
    x509.Name.hashable = property(name_hashable)
    x509.Name.human_friendly = property(name_human_friendly)
    HistoricalResolver._load_reverse_xref_cache = load_reverse_xref_cache
    attributes.as_signing_certificate_v2 = signing_certificate_v2
    generic.NameObject.read_from_stream = staticmethod(speedups_reading.read_name_from_stream)
    generic.IndirectObject.read_from_stream = staticmethod(
        speedups_reading.read_reference_from_stream)
    EmbeddedPdfSignature.compute_integrity_info = compute_integrity_info
    xref.parse_xref_table = speedups_reading.XrefTable
    xref.XRefSectionData.process_entries = speedups_reading.process_entries


def installed() -> bool:
    """True when :func:`install` is in effect."""
    return generic.read_hex_string_from_stream is read_hex_string_from_stream
