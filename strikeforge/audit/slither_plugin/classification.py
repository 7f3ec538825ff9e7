"""Slither's impact and confidence levels under short names."""

from slither.detectors.abstract_detector import DetectorClassification

HIGH = DetectorClassification.HIGH
MEDIUM = DetectorClassification.MEDIUM
LOW = DetectorClassification.LOW
INFORMATIONAL = DetectorClassification.INFORMATIONAL
OPTIMIZATION = DetectorClassification.OPTIMIZATION
