"""Independent checks with poppler and qpdf (Debian packages installed by .ci/run)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def pdf_text(path: Path) -> str:
    # -raw keeps the content-stream order: row by row, as typst lays out the grids.
    return run("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-").stdout


def body_words(text: str, document_id: str) -> list[str]:
    """The words of the pages, without the running footer (document id, page, URL). A word
    the PDF broke over two lines (at a zero-width space) counts as the one word it is."""
    text = text.replace("\u200b\n", "").replace("\u200b", "")
    kept = [line for line in text.splitlines()
            if not ((document_id in line and re.search(r"pagina \d+ van \d+$", line))
                    or re.fullmatch(r"https?://\S+", line.strip()))]
    return [word for word in " ".join(kept).split() if word not in ("•", "‣")]  # list markers


def qpdf_check(path: Path) -> subprocess.CompletedProcess:
    return run("qpdf", "--check", str(path))


def pdfsig(path: Path) -> str:
    return run("pdfsig", str(path)).stdout
