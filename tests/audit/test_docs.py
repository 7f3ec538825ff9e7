"""audits/detectors.md is what the detector classes say, and every detector's wiki link points into it."""

from __future__ import annotations

from strikeforge.audit.docs import DOC_PATH, WIKI, render
from strikeforge.audit.slither_plugin import DETECTORS as SOLIDITY
from strikeforge.audit.vyper.detectors import DETECTORS as VYPER


def test_the_checked_in_detector_doc_is_current(root):
    assert (root / DOC_PATH).read_text() == render(), "run: strikeforge audit detectors > audits/detectors.md"


def test_every_detector_links_to_its_own_section():
    text = render()
    for detector in [*SOLIDITY, *VYPER]:
        assert f"{WIKI}#{detector.ARGUMENT}" == detector.WIKI
        assert f"\n### {detector.ARGUMENT}\n" in text
        assert detector.WIKI_RECOMMENDATION in text
